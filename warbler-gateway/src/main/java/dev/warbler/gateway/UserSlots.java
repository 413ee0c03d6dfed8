package dev.warbler.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Authenticated connections of each user on this node ({@code gateway.max-connections-per-user}),
 * keyed {@code app + '/' + user}. A slot is taken at auth and given back when the connection
 * closes. Thread-safe.
 */
final class UserSlots {
  private final ConnectionCounts<String> perUser;
  private final Counter refused;

  UserSlots(int maxConnectionsPerUser, MeterRegistry meters) {
    this.perUser = new ConnectionCounts<>(maxConnectionsPerUser);
    this.refused =
        Counter.builder("warbler.gateway.connections.refused")
            .description("Connections refused because a connection limit was reached")
            .tag("limit", "user")
            .register(meters);
  }

  /** Takes a slot of {@code key}; false when the user has the most connections already. */
  boolean tryAcquire(String key) {
    if (perUser.tryAcquire(key)) {
      return true;
    }
    refused.increment();
    return false;
  }

  void release(String key) {
    perUser.release(key);
  }

  /** Connections of one user holding a slot; for tests. */
  int open(String key) {
    return perUser.open(key);
  }

  /** The most connections one user may have; 0: no limit. */
  int limit() {
    return perUser.limit();
  }
}
