package dev.warbler.core.audit;

import dev.warbler.core.spi.AuditLog;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An audit log in memory for the core's tests: appends are durable at once and chained with a fixed
 * key, like a store's; {@link #events} is what was recorded, oldest first.
 */
public final class MemoryAuditLog implements AuditLog {
  private static final AuditKey KEY = new AuditKey(new byte[32]);

  private final List<AuditRecord> stored = new ArrayList<>();

  /** An {@link Audit} over this log. */
  public Audit audit(InstantSource clock) {
    return new Audit(this, KEY, clock, Duration.ofMinutes(1), 1_000);
  }

  public synchronized List<AuditEvent> events() {
    return stored.stream().map(AuditRecord::event).toList();
  }

  @Override
  public synchronized CompletableFuture<AuditRecord> append(AuditEvent e) {
    long seq = stored.size() + 1;
    long appSeq = stored.stream().filter(r -> r.event().app().equals(e.app())).count() + 1;
    String prev = stored.isEmpty() ? AuditChain.GENESIS : stored.getLast().hash();
    AuditRecord r =
        new AuditRecord(seq, appSeq, e, prev, AuditChain.mac(KEY, prev, seq, appSeq, e), true);
    stored.add(r);
    return CompletableFuture.completedFuture(r);
  }

  @Override
  public synchronized List<AuditRecord> list(AuditQuery q, long after, int limit) {
    return stored.stream().filter(r -> r.seq() > after).limit(limit).toList();
  }

  @Override
  public synchronized List<AuditRecord> listApp(String app, AuditQuery q, long after, int limit) {
    return stored.stream()
        .filter(r -> r.event().app().equals(app) && r.appSeq() > after)
        .limit(limit)
        .toList();
  }

  @Override
  public synchronized Optional<AuditRecord> last() {
    return stored.isEmpty() ? Optional.empty() : Optional.of(stored.getLast());
  }
}
