package dev.warbler.core.groups;

import dev.warbler.core.messaging.ConversationId;

/** A group conversation's profile; members are listed separately. */
public record Group(String app, String id, String name, String owner, long createdAt) {

  public ConversationId conversation() {
    return ConversationId.group(id);
  }
}
