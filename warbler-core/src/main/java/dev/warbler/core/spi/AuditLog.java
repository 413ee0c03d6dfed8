package dev.warbler.core.spi;

import dev.warbler.core.audit.AuditChain;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.audit.AuditQuery;
import dev.warbler.core.audit.AuditRecord;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The append-only, chained audit log (the port; the SQLite store implements it). Appends are
 * serialized by the implementation, which assigns {@code seq} and {@code appSeq} and computes the
 * keyed chain ({@link AuditChain#mac}) with the {@link AuditKey} it was given. Thread-safe.
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

  /**
   * The records of one app matching {@code query} (its {@code app} is ignored) with {@code appSeq >
   * afterAppSeq}, oldest first, at most {@code limit}: an app's own view, numbered without the
   * other apps' entries; blocks on I/O.
   */
  java.util.List<AuditRecord> listApp(String app, AuditQuery query, long afterAppSeq, int limit);

  /** The newest record, the chain's head; empty for an empty log. Blocks on I/O. */
  java.util.Optional<AuditRecord> last();

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
