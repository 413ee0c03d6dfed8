package dev.warbler.server;

import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.RateLimits;
import dev.warbler.core.chatrooms.ChatroomLimits;
import dev.warbler.core.contacts.ContactLimits;
import dev.warbler.core.groups.GroupLimits;
import dev.warbler.core.messaging.LifecycleLimits;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.moderation.ModerationLimits;
import dev.warbler.core.state.StateLimits;
import java.time.Duration;

/**
 * The node's limits, read from {@link Settings}: each record checks its values when made, so a bad
 * one fails the start naming the setting. Called once, on the thread that starts the node.
 */
final class LimitWiring {
  private LimitWiring() {}

  static Limits limits(Settings settings) {
    return new Limits(
        settings.integer(Setting.LIMITS_MAX_MESSAGE_BYTES),
        settings.integer(Setting.LIMITS_MAX_GROUP_MEMBERS),
        settings.integer(Setting.LIMITS_SYNC_PAGE_MAX),
        settings.integer(Setting.LIMITS_PULL_PAGE_MAX));
  }

  static ModerationLimits moderation(Settings settings) {
    String mask = settings.string(Setting.MODERATION_MASK_CHARACTER);
    if (mask.length() != 1) {
      throw new IllegalArgumentException(
          "moderation.mask-character must be one character but was '" + mask + "'");
    }
    try {
      return new ModerationLimits(
          settings.integer(Setting.MODERATION_MAX_WORD_CHARS),
          settings.integer(Setting.MODERATION_MAX_CATEGORY_CHARS),
          settings.integer(Setting.MODERATION_MAX_WORDS_PER_REQUEST),
          settings.integer(Setting.MODERATION_MAX_WORDS_PER_APP),
          mask.charAt(0));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("moderation.*: " + e.getMessage(), e);
    }
  }

  static LifecycleLimits lifecycle(Settings settings) {
    return new LifecycleLimits(
        settings.integer(Setting.LIMITS_RECALL_WINDOW_SECONDS),
        settings.integer(Setting.LIMITS_EDIT_WINDOW_SECONDS),
        settings.integer(Setting.LIMITS_MAX_MENTIONS),
        settings.integer(Setting.LIMITS_MAX_REACTION_KINDS));
  }

  static GroupLimits groups(Settings settings) {
    return new GroupLimits(
        settings.integer(Setting.LIMITS_MAX_GROUP_PROFILE_BYTES),
        settings.integer(Setting.LIMITS_MAX_JOIN_REQUESTS),
        settings.integer(Setting.LIMITS_GROUP_PAGE_MAX));
  }

  static ContactLimits contacts(Settings settings) {
    return new ContactLimits(
        settings.integer(Setting.CONTACTS_MAX_FRIENDS),
        settings.integer(Setting.CONTACTS_MAX_BLOCKED),
        settings.integer(Setting.CONTACTS_MAX_PENDING_REQUESTS),
        settings.integer(Setting.CONTACTS_MAX_REQUEST_MESSAGE_BYTES),
        settings.integer(Setting.CONTACTS_PAGE_MAX));
  }

  static ChatroomLimits chatrooms(Settings settings) {
    return new ChatroomLimits(
        settings.integer(Setting.CHATROOM_RECENT_MESSAGES),
        settings.integer(Setting.CHATROOM_MAX_PRESENT),
        settings.integer(Setting.CHATROOM_MAX_ROOMS_PER_CONNECTION),
        settings.integer(Setting.CHATROOM_MAX_ROOMS));
  }

  static StateLimits state(Settings settings) {
    return new StateLimits(
        settings.integer(Setting.LIMITS_RECEIPT_FANOUT_MAX_MEMBERS),
        settings.integer(Setting.LIMITS_TYPING_MAX_MEMBERS),
        Duration.ofMillis(settings.integer(Setting.GATEWAY_TYPING_MIN_INTERVAL_MS)),
        settings.integer(Setting.LIMITS_PRESENCE_SUBSCRIPTIONS),
        settings.integer(Setting.LIMITS_LIST_PAGE_MAX),
        settings.integer(Setting.LIMITS_MAX_PROFILE_BYTES));
  }

  /** The rate buckets of users, signals, apps and REST keys ({@code limits.rate.*}). */
  static RateLimiter rates(Settings settings) {
    return new RateLimiter(rateLimits(settings));
  }

  private static RateLimits rateLimits(Settings settings) {
    return new RateLimits(
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_USER_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_USER_BURST)),
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_SIGNAL_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_SIGNAL_BURST)),
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_APP_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_APP_BURST)),
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_REST_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_REST_BURST)),
        settings.integer(Setting.LIMITS_RATE_REFUSALS_BEFORE_PAUSE),
        settings.integer(Setting.LIMITS_RATE_MAX_PAUSE_MS));
  }

  /** Failed authentications per client address, shared by the gateway and the REST API. */
  static AuthThrottle authThrottle(Settings settings) {
    return new AuthThrottle(
        settings.integer(Setting.LIMITS_AUTH_FAILURES_PER_MINUTE),
        settings.integer(Setting.LIMITS_AUTH_FAILURES_BURST),
        settings.integer(Setting.LIMITS_AUTH_FAILURES_MAX_ADDRESSES));
  }
}
