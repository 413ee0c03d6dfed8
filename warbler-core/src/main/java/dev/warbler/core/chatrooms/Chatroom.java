package dev.warbler.core.chatrooms;

import dev.warbler.core.messaging.ConversationId;

/**
 * A chatroom's definition, created and deleted by the app backend.
 *
 * @param maxMembers connections that may be present at once; 0 means {@code chatroom.max-present}
 */
public record Chatroom(String app, String id, String name, int maxMembers, long createdAt) {
  public ConversationId conversation() {
    return ConversationId.room(id);
  }
}
