package dev.warbler.core.groups;

import dev.warbler.core.messaging.Limits;

/**
 * Group limits besides the member limit (which is {@link Limits#maxGroupMembers()}), each a named
 * configuration value.
 *
 * @param maxProfileBytes name, avatar URL, description and custom JSON together, UTF-8; keeps the
 *     profile_updated event (which carries the new values) within one message
 * @param maxJoinRequests pending join requests per group; bounds what a spammer can make admins
 *     review and the store keep
 * @param pageMax members or join requests in one listing page; bounds one response
 */
public record GroupLimits(int maxProfileBytes, int maxJoinRequests, int pageMax) {

  public static final GroupLimits DEFAULTS = new GroupLimits(8 * 1024, 1_000, 500);

  public GroupLimits {
    positive("max group profile bytes", maxProfileBytes);
    positive("max join requests", maxJoinRequests);
    positive("group page max", pageMax);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
