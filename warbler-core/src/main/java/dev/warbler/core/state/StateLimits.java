package dev.warbler.core.state;

import java.time.Duration;

/**
 * Limits of receipts, typing, presence and user lists, each a named configuration value (see {@code
 * warbler config defaults}).
 *
 * @param receiptFanoutMaxMembers read and delivery receipts are pushed only in conversations with
 *     at most this many members (direct ones always); bounds the pushes one receipt costs. Larger
 *     conversations keep the positions, readable with {@code get_receipts}
 * @param typingMaxMembers typing indicators only in conversations with at most this many members;
 *     in a crowd they are noise and cost a push per member per keystroke burst
 * @param typingMinInterval at most one typing event per connection and conversation per interval (a
 *     stop after a forwarded start always passes); bounds typing traffic
 * @param presenceSubscriptions users one connection may watch (and one REST presence query may
 *     name); bounds the reverse index and one answer
 * @param listPageMax largest page of a paginated list (receipts, users); bounds one response
 * @param maxProfileBytes name, avatar URL and custom JSON of one user profile together, UTF-8;
 *     bounds a row and every answer that carries a profile
 */
public record StateLimits(
    int receiptFanoutMaxMembers,
    int typingMaxMembers,
    Duration typingMinInterval,
    int presenceSubscriptions,
    int listPageMax,
    int maxProfileBytes) {

  public static final StateLimits DEFAULTS =
      new StateLimits(200, 100, Duration.ofSeconds(1), 500, 200, 8 * 1024);

  public StateLimits {
    nonNegative("receipt fan-out max members", receiptFanoutMaxMembers);
    nonNegative("typing max members", typingMaxMembers);
    if (typingMinInterval.isNegative()) {
      throw new IllegalArgumentException(
          "typing min interval must not be negative but was " + typingMinInterval);
    }
    positive("presence subscriptions", presenceSubscriptions);
    positive("list page max", listPageMax);
    positive("max profile bytes", maxProfileBytes);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }

  private static void nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative but was " + value);
    }
  }
}
