package dev.warbler.core;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The append-only, hash-chained audit log (the port; the SQLite store implements it). Appends are
 * serialized by the implementation, which assigns {@code seq} and computes the chain. Thread-safe.
 */
public interface AuditLog {

  /**
   * Queues an event; never blocks. The future completes with the stored record once it is durable,
   * or exceptionally (UNAVAILABLE) when the store cannot take it.
   */
  CompletableFuture<AuditRecord> append(AuditEvent event);

  /**
   * Records matching {@code query} with {@code seq > after}, oldest first, at most {@code limit};
   * blocks on I/O.
   */
  java.util.List<AuditRecord> list(AuditQuery query, long after, int limit);

  /** Streams every record matching {@code query}, oldest first; blocks on I/O. */
  default void forEach(AuditQuery query, Consumer<AuditRecord> action) {
    long after = 0;
    while (true) {
      java.util.List<AuditRecord> page = list(query, after, 1000);
      page.forEach(action);
      if (page.size() < 1000) {
        return;
      }
      after = page.getLast().seq();
    }
  }
}
