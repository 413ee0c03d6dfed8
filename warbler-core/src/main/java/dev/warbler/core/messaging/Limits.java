package dev.warbler.core.messaging;

/**
 * Messaging limits, each a named configuration value (see {@code warbler config defaults}).
 *
 * @param maxMessageBytes text plus payload, UTF-8; bounds store rows and frames
 * @param maxGroupMembers members per group, at most {@link #MAX_GROUP_MEMBERS_CEILING}; bounds
 *     membership caches and bulk changes (fan-out costs grow with online members only)
 * @param syncPageMax conversations per sync page; bounds one response
 * @param pullPageMax messages per pull or history page; bounds one response
 */
public record Limits(int maxMessageBytes, int maxGroupMembers, int syncPageMax, int pullPageMax) {

  public static final Limits DEFAULTS = new Limits(32 * 1024, 2_000, 200, 500);

  /**
   * The largest member limit a deployment may configure: the size the group code is built and
   * tested for (one group's members cached in memory, a delete's fan-out).
   */
  public static final int MAX_GROUP_MEMBERS_CEILING = 100_000;

  public Limits {
    positive("max message bytes", maxMessageBytes);
    positive("max group members", maxGroupMembers);
    if (maxGroupMembers > MAX_GROUP_MEMBERS_CEILING) {
      throw new IllegalArgumentException(
          "max group members must be at most "
              + MAX_GROUP_MEMBERS_CEILING
              + " but was "
              + maxGroupMembers);
    }
    positive("sync page max", syncPageMax);
    positive("pull page max", pullPageMax);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
