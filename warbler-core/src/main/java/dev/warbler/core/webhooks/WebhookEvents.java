package dev.warbler.core.webhooks;

import java.util.List;

/**
 * The catalog of event types a subscription may name (docs/webhooks.md gives each one's {@code
 * data}). Names never change once released; new types are added.
 */
public final class WebhookEvents {
  /** Subscribes to every type, including types added later. */
  public static final String ALL = "*";

  public static final String MESSAGE_STORED = "message.stored";
  public static final String MESSAGE_RECALLED = "message.recalled";
  public static final String MESSAGE_EDITED = "message.edited";
  public static final String GROUP_CREATED = "group.created";
  public static final String GROUP_DISSOLVED = "group.dissolved";
  public static final String GROUP_MEMBER_JOINED = "group.member.joined";
  public static final String GROUP_MEMBER_LEFT = "group.member.left";
  public static final String GROUP_MEMBER_REMOVED = "group.member.removed";

  /** Sent only by the "send test event" call, to the one subscription it names. */
  public static final String WEBHOOK_TEST = "webhook.test";

  /** Every type a subscription may list, {@link #ALL} aside. */
  public static final List<String> TYPES =
      List.of(
          MESSAGE_STORED,
          MESSAGE_RECALLED,
          MESSAGE_EDITED,
          GROUP_CREATED,
          GROUP_DISSOLVED,
          GROUP_MEMBER_JOINED,
          GROUP_MEMBER_LEFT,
          GROUP_MEMBER_REMOVED,
          WEBHOOK_TEST);

  /**
   * The webhook type of a group event message's {@code event} (docs/protocol.md 3.13), or empty for
   * group changes the catalog does not name (they still come as {@code message.stored}).
   */
  static String ofGroupEvent(String event) {
    return switch (event) {
      case "group_created" -> GROUP_CREATED;
      case "group_deleted" -> GROUP_DISSOLVED;
      case "member_joined" -> GROUP_MEMBER_JOINED;
      case "member_left" -> GROUP_MEMBER_LEFT;
      case "member_removed" -> GROUP_MEMBER_REMOVED;
      default -> "";
    };
  }

  private WebhookEvents() {}
}
