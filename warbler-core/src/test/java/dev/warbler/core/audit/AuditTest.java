package dev.warbler.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.spi.AuditLog;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Coalescing of failures and the keyed chain, without a store. */
class AuditTest {
  private static final AuditKey KEY = new AuditKey(bytes(1));
  private static final AuditKey OTHER_KEY = new AuditKey(bytes(2));
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final List<AuditRecord> stored = new ArrayList<>();

  private final AuditLog memory =
      new AuditLog() {
        @Override
        public synchronized CompletableFuture<AuditRecord> append(AuditEvent e) {
          long seq = stored.size() + 1;
          long appSeq = stored.stream().filter(r -> r.event().app().equals(e.app())).count() + 1;
          String prev = stored.isEmpty() ? AuditChain.GENESIS : stored.getLast().hash();
          AuditRecord r =
              new AuditRecord(
                  seq, appSeq, e, prev, AuditChain.mac(KEY, prev, seq, appSeq, e), true);
          stored.add(r);
          return CompletableFuture.completedFuture(r);
        }

        @Override
        public List<AuditRecord> list(AuditQuery q, long after, int limit) {
          return stored.stream().filter(r -> r.seq() > after).limit(limit).toList();
        }

        @Override
        public List<AuditRecord> listApp(String app, AuditQuery q, long after, int limit) {
          return stored.stream()
              .filter(r -> r.event().app().equals(app) && r.appSeq() > after)
              .limit(limit)
              .toList();
        }

        @Override
        public java.util.Optional<AuditRecord> last() {
          return stored.isEmpty()
              ? java.util.Optional.empty()
              : java.util.Optional.of(stored.getLast());
        }
      };

  private final Audit audit = new Audit(memory, KEY, clock, Duration.ofMinutes(1), 3);

  private static byte[] bytes(int seed) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) seed);
    return b;
  }

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
            r.appSeq(),
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
            r.hash(),
            true));
    assertThat(verify(edited)).isEqualTo(3);

    List<AuditRecord> deleted = new ArrayList<>(stored);
    deleted.remove(1);
    assertThat(verify(deleted)).isEqualTo(2);

    List<AuditRecord> swapped = new ArrayList<>(stored);
    swapped.set(1, stored.get(3));
    swapped.set(3, stored.get(1));
    assertThat(verify(swapped)).isEqualTo(2);
  }

  @Test
  void anInsiderWithoutTheKeyCannotRecomputeTheChainAfterAnEdit() {
    for (int i = 0; i < 4; i++) {
      audit.record("shop", "admin", "", Audit.USER_BAN, "u" + i, "");
    }
    // Edit entry 2 and recompute every hash from there, as a plain hash chain would allow: with
    // SHA-256 (the old scheme), or with a key of one's own.
    for (AuditKey forger : new AuditKey[] {null, OTHER_KEY}) {
      List<AuditRecord> forged = new ArrayList<>(stored.subList(0, 1));
      for (AuditRecord r : stored.subList(1, stored.size())) {
        AuditEvent e = r.event();
        if (r.seq() == 2) {
          e =
              new AuditEvent(
                  e.time(),
                  e.app(),
                  e.actor(),
                  e.ip(),
                  e.action(),
                  "nobody",
                  e.outcome(),
                  e.error(),
                  e.count(),
                  e.detail());
        }
        String prev = forged.getLast().hash();
        String hash =
            forger == null
                ? AuditChain.hash(prev, r.seq(), e)
                : AuditChain.mac(forger, prev, r.seq(), r.appSeq(), e);
        forged.add(new AuditRecord(r.seq(), r.appSeq(), e, prev, hash, forger != null));
      }
      assertThat(verify(forged)).as("forged with " + forger).isEqualTo(2);
    }
  }

  @Test
  void legacyEntriesVerifyOnlyBeforeTheFirstKeyedOne() {
    List<AuditRecord> log = new ArrayList<>();
    String prev = AuditChain.GENESIS;
    for (int seq = 1; seq <= 3; seq++) {
      AuditEvent e =
          new AuditEvent(seq, "shop", "admin", "", Audit.USER_BAN, "u" + seq, "ok", "", 1, "");
      String hash =
          seq == 2 ? AuditChain.mac(KEY, prev, seq, seq, e) : AuditChain.hash(prev, seq, e);
      log.add(new AuditRecord(seq, seq, e, prev, hash, seq == 2));
      prev = hash;
    }
    // Legacy, keyed, then legacy again: a row rewritten without the key after the chain was keyed.
    assertThat(verify(log)).isEqualTo(3);
    assertThat(verify(log.subList(0, 2))).isZero();
  }

  @Test
  void eachAppCountsItsOwnEntriesWithoutGapsAndTheVerifierChecksIt() {
    audit.record("shop", "admin", "", Audit.USER_BAN, "a", "");
    audit.record("school", "admin", "", Audit.USER_BAN, "b", "");
    audit.record("shop", "admin", "", Audit.USER_BAN, "c", "");
    assertThat(memory.listApp("shop", AuditQuery.ALL, 0, 10))
        .extracting(AuditRecord::appSeq)
        .containsExactly(1L, 2L);
    assertThat(verify(stored)).isZero();
    AuditRecord r = stored.get(2);
    List<AuditRecord> renumbered = new ArrayList<>(stored);
    renumbered.set(2, new AuditRecord(r.seq(), 3, r.event(), r.prevHash(), r.hash(), true));
    assertThat(verify(renumbered)).isEqualTo(3);
  }

  @Test
  void openKeysALogOfLegacyEntriesOnceAndVerifiesIt() {
    String prev = AuditChain.GENESIS;
    for (int seq = 1; seq <= 2; seq++) {
      AuditEvent e =
          new AuditEvent(seq, "shop", "admin", "", Audit.USER_BAN, "u" + seq, "ok", "", 1, "");
      String hash = AuditChain.hash(prev, seq, e);
      stored.add(new AuditRecord(seq, seq, e, prev, hash, false));
      prev = hash;
    }
    Audit.ChainStatus first = audit.open();
    assertThat(first.intact()).isTrue();
    assertThat(first.legacy()).isEqualTo(2);
    assertThat(stored.getLast().event().action()).isEqualTo(Audit.CHAIN_KEYED);
    assertThat(stored.getLast().event().detail()).startsWith("legacyUntil=2 key=" + KEY.id());
    Audit.ChainStatus again = audit.open();
    assertThat(again.keyed()).isTrue();
    assertThat(stored).hasSize(3);
    assertThat(
            new Audit(memory, OTHER_KEY, clock, Duration.ofMinutes(1), 3).verifyChain().problem())
        .hasValueSatisfying(p -> assertThat(p).contains("entry 3"));
  }

  private static long verify(List<AuditRecord> records) {
    AuditChain.Verifier v = new AuditChain.Verifier(KEY);
    records.forEach(v::accept);
    return v.firstBroken();
  }
}
