package dev.warbler.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Coalescing of failures and the hash chain, without a store. */
class AuditTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final List<AuditRecord> stored = new ArrayList<>();

  private final AuditLog memory =
      new AuditLog() {
        @Override
        public synchronized CompletableFuture<AuditRecord> append(AuditEvent e) {
          long seq = stored.size() + 1;
          String prev = stored.isEmpty() ? AuditChain.GENESIS : stored.getLast().hash();
          AuditRecord r = new AuditRecord(seq, e, prev, AuditChain.hash(prev, seq, e));
          stored.add(r);
          return CompletableFuture.completedFuture(r);
        }

        @Override
        public List<AuditRecord> list(AuditQuery q, long after, int limit) {
          return stored.stream().filter(r -> r.seq() > after).limit(limit).toList();
        }
      };

  private final Audit audit = new Audit(memory, clock, Duration.ofMinutes(1), 3);

  private void fail(String ip) {
    audit.failure(
        "shop", "anonymous", ip, Audit.AUTH_FAILED, "", AuditEvent.DENIED, "TOKEN_INVALID");
  }

  @Test
  void aFloodFromOneAddressMakesOneEntryAtOnceAndOneCountPerWindow() {
    for (int i = 0; i < 10_000; i++) {
      fail("10.0.0.1");
    }
    assertThat(stored).hasSize(1);
    audit.flush(false);
    assertThat(stored).hasSize(1); // the window has not ended
    now.addAndGet(60_000);
    audit.flush(false);
    assertThat(stored).hasSize(2);
    assertThat(stored.get(1).event().count()).isEqualTo(9_999);
    assertThat(stored.stream().mapToLong(r -> r.event().count()).sum()).isEqualTo(10_000);
    fail("10.0.0.1"); // a new window
    assertThat(stored).hasSize(3);
  }

  @Test
  void manyAddressesAreBoundedByTheKeyLimit() {
    for (int i = 0; i < 1_000; i++) {
      fail("10.0.0." + i);
    }
    // Three keys, then one overflow key for the rest.
    assertThat(stored).hasSize(4);
    assertThat(stored.get(3).event().detail()).isEqualTo("overflow");
    audit.flush(true);
    assertThat(stored.stream().mapToLong(r -> r.event().count()).sum()).isEqualTo(1_000);
  }

  @Test
  void theChainBreaksAtAnEditedDeletedOrMovedEntry() {
    for (int i = 0; i < 5; i++) {
      audit.record("shop", "admin", "", Audit.USER_BAN, "u" + i, "");
    }
    assertThat(verify(stored)).isZero();

    List<AuditRecord> edited = new ArrayList<>(stored);
    AuditRecord r = edited.get(2);
    AuditEvent e = r.event();
    edited.set(
        2,
        new AuditRecord(
            r.seq(),
            new AuditEvent(
                e.time(),
                e.app(),
                e.actor(),
                e.ip(),
                e.action(),
                "someone-else",
                e.outcome(),
                e.error(),
                e.count(),
                e.detail()),
            r.prevHash(),
            r.hash()));
    assertThat(verify(edited)).isEqualTo(3);

    List<AuditRecord> deleted = new ArrayList<>(stored);
    deleted.remove(1);
    assertThat(verify(deleted)).isEqualTo(2);

    List<AuditRecord> swapped = new ArrayList<>(stored);
    swapped.set(1, stored.get(3));
    swapped.set(3, stored.get(1));
    assertThat(verify(swapped)).isEqualTo(2);
  }

  private static long verify(List<AuditRecord> records) {
    AuditChain.Verifier v = new AuditChain.Verifier();
    records.forEach(v::accept);
    return v.firstBroken();
  }
}
