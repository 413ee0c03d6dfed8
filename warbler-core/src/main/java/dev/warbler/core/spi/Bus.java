package dev.warbler.core.spi;

import java.util.function.Consumer;

/**
 * Carries deliveries to the nodes that hold recipients' connections. At most once: a lost delivery
 * costs latency, never data, because clients detect gaps by seq and pull them from the store.
 * Deliveries published by one thread reach each subscriber in publish order.
 */
public interface Bus extends AutoCloseable {

  void publish(Delivery delivery);

  /** Registers a subscriber; it must not block (it runs on the publisher's or bus's thread). */
  void subscribe(Consumer<Delivery> subscriber);

  @Override
  void close();
}
