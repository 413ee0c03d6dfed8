package dev.warbler.gateway;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections per key (a client address, a user), for the connection limits. Thread-safe; a
 * key without connections takes no memory.
 */
final class ConnectionCounts<K> {
  private final ConcurrentHashMap<K, Integer> counts = new ConcurrentHashMap<>();
  private final int limit;

  /**
   * @param limit most connections per key; 0: no limit (nothing is counted)
   */
  ConnectionCounts(int limit) {
    this.limit = limit;
  }

  boolean limited() {
    return limit > 0;
  }

  int limit() {
    return limit;
  }

  /**
   * Takes a slot for {@code key} if fewer than the limit are taken; true if taken (and then {@link
   * #release} must follow exactly once).
   */
  boolean tryAcquire(K key) {
    if (limit <= 0) {
      return true;
    }
    boolean[] taken = {false};
    counts.compute(
        key,
        (k, n) -> {
          int open = n == null ? 0 : n;
          if (open >= limit) {
            return n;
          }
          taken[0] = true;
          return open + 1;
        });
    return taken[0];
  }

  /** Gives back a slot taken by {@link #tryAcquire}. */
  void release(K key) {
    if (limit <= 0) {
      return;
    }
    counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** Slots taken for {@code key}; for tests. */
  int open(K key) {
    return counts.getOrDefault(key, 0);
  }

  /** Keys with at least one slot; for tests. */
  int keys() {
    return counts.size();
  }
}
