package dev.warbler.core.groups;

import dev.warbler.core.messaging.ConversationId;

/**
 * A group as stored: its owner, profile and settings. {@code deletedAt} is 0 for a live group, else
 * when it was deleted (epoch ms); a deleted group's id stays taken.
 */
public record GroupRecord(
    String app, String id, String owner, GroupProfile profile, long createdAt, long deletedAt) {

  public boolean deleted() {
    return deletedAt > 0;
  }

  public ConversationId conversation() {
    return ConversationId.group(id);
  }

  /** The short form the older API returns. */
  public Group group() {
    return new Group(app, id, profile.name(), owner, createdAt);
  }

  public GroupRecord withProfile(GroupProfile p) {
    return new GroupRecord(app, id, owner, p, createdAt, deletedAt);
  }

  public GroupRecord withOwner(String newOwner) {
    return new GroupRecord(app, id, newOwner, profile, createdAt, deletedAt);
  }

  public GroupRecord withDeletedAt(long at) {
    return new GroupRecord(app, id, owner, profile, createdAt, at);
  }
}
