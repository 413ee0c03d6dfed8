package dev.warbler.core.spi;

import dev.warbler.core.webhooks.BeforeSendHook;
import dev.warbler.core.webhooks.WebhookDelivery;
import dev.warbler.core.webhooks.WebhookSubscription;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Webhook subscriptions and the outbox of their deliveries, which is also the delivery log.
 * Subscription writes are durable when the method returns; {@link #enqueue} when its future
 * completes. Thread-safe; may block on I/O (except {@link #enqueue}).
 *
 * <p>Claiming is exclusive across every node that shares the store: a row {@link #claim}ed by one
 * node is not returned to another until its lease ends (PostgreSQL: {@code FOR UPDATE SKIP
 * LOCKED}); a node that dies holding a lease loses it when it ends, so a delivery is attempted at
 * least once, and may be attempted twice (receivers dedup by event id).
 */
public interface WebhookStore {

  /** Creates or replaces a subscription. */
  void putSubscription(WebhookSubscription subscription);

  Optional<WebhookSubscription> subscription(String app, String id);

  /** The app's subscriptions, oldest first. */
  List<WebhookSubscription> subscriptions(String app);

  /**
   * Adds one to a subscription's consecutive failures, atomically (deliveries settle concurrently,
   * on several nodes); returns the new count, 0 when the subscription does not exist.
   */
  int countFailure(String app, String id, long now);

  /** Sets a subscription's consecutive failures to 0 (a delivery succeeded). */
  void resetFailures(String app, String id);

  /**
   * Disables an enabled subscription with {@code reason}; false when it was disabled already or
   * does not exist (so that one disabling is audited once).
   */
  boolean disable(String app, String id, String reason, long now);

  /** Deletes a subscription and its deliveries; false when it did not exist. */
  boolean deleteSubscription(String app, String id);

  /** Adds pending deliveries; never blocks. The future completes once they are durable. */
  CompletableFuture<Void> enqueue(List<WebhookDelivery> deliveries);

  /**
   * Up to {@code limit} pending deliveries due at {@code now} whose lease has ended, oldest due
   * first, each now leased until {@code leaseUntil}.
   */
  List<WebhookDelivery> claim(long now, long leaseUntil, int limit);

  /**
   * Writes a delivery's outcome (status, attempts, next attempt, error, code) and ends its lease.
   */
  void settle(WebhookDelivery delivery);

  Optional<WebhookDelivery> delivery(String app, String id);

  /**
   * A subscription's deliveries, newest first (delivery ids sort by creation time), with ids below
   * {@code beforeId} (empty: from the newest), at most {@code limit}.
   */
  List<WebhookDelivery> deliveries(String app, String subscription, String beforeId, int limit);

  /**
   * Makes the subscription's failed deliveries created in [{@code from}, {@code to}) pending again
   * with no attempts, due at {@code now}; returns how many.
   */
  int replayFailed(String app, String subscription, long from, long to, long now);

  /** Creates or replaces the app's before-send hook. */
  void putBeforeSendHook(BeforeSendHook hook);

  Optional<BeforeSendHook> beforeSendHook(String app);

  /** False when the app had none. */
  boolean deleteBeforeSendHook(String app);

  /** Pending deliveries in the whole store (the queue depth). */
  long pending();
}
