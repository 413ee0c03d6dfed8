package dev.warbler.core.spi;

import java.util.function.Consumer;

/**
 * Carries {@link Event}s between the nodes of a cluster (one node: between the parts of one
 * process). The store is the source of truth: the bus is at most once, and a lost event costs
 * latency, never data for messages (clients detect gaps by seq and pull them from the store). A
 * cache that misses an invalidation keeps a stale entry until it is evicted, so events on {@link
 * Topic#nodes()} must not be lost in practice (ADR 19).
 *
 * <p>Guarantees every implementation must keep (checked by the testkit's {@code BusContract}):
 *
 * <ul>
 *   <li><b>Interest.</b> An event published to a topic reaches the subscribers of that topic on
 *       every node, the publishing node included, and nobody else.
 *   <li><b>Order.</b> Events published by one thread to one topic reach each subscriber in publish
 *       order.
 *   <li><b>Subscription.</b> Once {@link #subscribe} returns, events published afterwards reach the
 *       subscriber; after {@link Subscription#cancel} returns, none does.
 *   <li><b>Queues.</b> Each event published to a topic reaches exactly one subscriber of each queue
 *       subscribed to it ({@link #subscribeQueue}), on whichever node, as long as one exists.
 *   <li><b>Isolation.</b> A subscriber that throws does not keep the event from the others.
 * </ul>
 *
 * <p>Subscribers must not block: they may run on the publisher's thread or the bus's own threads.
 * Thread-safe.
 */
public interface Bus extends AutoCloseable {

  /** This node's id, unique in the cluster. */
  String node();

  void publish(Topic topic, Event event);

  Subscription subscribe(Topic topic, Consumer<Event> subscriber);

  /**
   * Subscribes as one member of {@code queue}: each event on {@code topic} goes to exactly one
   * member of the queue in the cluster (for work that must be done once: webhooks, bots).
   */
  Subscription subscribeQueue(Topic topic, String queue, Consumer<Event> subscriber);

  /** Ends this node's subscriptions; publishing afterwards does nothing. */
  @Override
  void close();

  /** One subscription; cancelling twice is harmless. */
  interface Subscription {
    void cancel();
  }
}
