package dev.warbler.core.webhooks;

import java.time.Duration;

/**
 * The webhook limits, each a server setting ({@code webhooks.*}, see {@code warbler config
 * defaults}).
 *
 * @param maxSubscriptions subscriptions per app
 * @param maxUrlChars longest target URL
 * @param allowHttp whether plain {@code http://} targets are accepted (development only)
 * @param maxAttempts attempts per delivery before it is marked failed
 * @param maxAge age after which a delivery is marked failed whatever its attempts
 * @param backoffBase wait before the second attempt; doubles per attempt, with full jitter
 * @param backoffMax longest wait between two attempts
 * @param disableAfterFailures consecutive failed deliveries that disable a subscription (0: never)
 * @param secretGrace how long the previous secret still signs after a rotation
 * @param lease how long a claimed delivery is reserved for the node attempting it (longer than the
 *     request timeout)
 * @param batch deliveries claimed per dispatcher pass
 * @param cacheTtl how often a node reloads an app's subscriptions and hook in the background
 *     (changes made on other nodes reach its sends after this)
 */
public record WebhookLimits(
    int maxSubscriptions,
    int maxUrlChars,
    boolean allowHttp,
    int maxAttempts,
    Duration maxAge,
    Duration backoffBase,
    Duration backoffMax,
    int disableAfterFailures,
    Duration secretGrace,
    Duration lease,
    int batch,
    Duration cacheTtl) {

  public WebhookLimits {
    positive("maxSubscriptions", maxSubscriptions);
    positive("maxUrlChars", maxUrlChars);
    positive("maxAttempts", maxAttempts);
    positive("batch", batch);
    if (disableAfterFailures < 0) {
      throw new IllegalArgumentException(
          "disableAfterFailures must not be negative but was " + disableAfterFailures);
    }
    for (Duration d : new Duration[] {maxAge, backoffBase, backoffMax, lease, cacheTtl}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("webhook durations must be positive but one was " + d);
      }
    }
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }

  /** The defaults of the server settings. */
  public static WebhookLimits defaults() {
    return new WebhookLimits(
        20,
        2048,
        false,
        8,
        Duration.ofHours(24),
        Duration.ofSeconds(10),
        Duration.ofHours(1),
        50,
        Duration.ofHours(24),
        Duration.ofSeconds(60),
        50,
        Duration.ofSeconds(5));
  }
}
