package dev.warbler.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.audit.AuditChain;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.audit.AuditQuery;
import dev.warbler.core.audit.AuditRecord;
import dev.warbler.core.spi.AccessStore;
import dev.warbler.core.spi.AccessStore.RevokedToken;
import dev.warbler.core.spi.AccessStore.UserAccess;
import dev.warbler.core.spi.AuditLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access tables and the audit chain of the PostgreSQL store, across concurrent appends and
 * reopen.
 */
@ExtendWith(TestDatabase.class)
class PostgresAccessAuditTest {
  private static final AuditKey KEY = new AuditKey(new byte[32]);

  @TempDir Path dir;

  private PostgresStores open() {
    return TestDatabase.open(dir);
  }

  private static AuditEvent event(int i) {
    return new AuditEvent(
        1_000L + i, "shop", "admin", "127.0.0.1", "user.ban", "u" + i, "ok", "", 1, "n=" + i);
  }

  private static void assertChainHolds(AuditLog log, int expected) {
    AuditChain.Verifier v = new AuditChain.Verifier(KEY);
    log.forEach(AuditQuery.ALL, v::accept);
    assertThat(v.problem()).isEmpty();
    assertThat(v.checked()).isEqualTo(expected);
  }

  @Test
  void concurrentAppendsFormOneUnbrokenChainThatContinuesAfterReopening() {
    try (PostgresStores db = open()) {
      AuditLog log = db.auditLog(KEY);
      List<CompletableFuture<AuditRecord>> all = new ArrayList<>();
      for (int i = 0; i < 1_500; i++) {
        all.add(log.append(event(i)));
      }
      all.forEach(CompletableFuture::join);
      assertChainHolds(log, 1_500);
      assertThat(log.list(new AuditQuery("shop", "user.ban", "admin", 1_010, 1_020), 0, 100))
          .hasSize(10);
      assertThat(log.list(AuditQuery.ALL, 1_400, 1_000)).hasSize(100);
    }
    try (PostgresStores db = open()) {
      AuditLog log = db.auditLog(KEY);
      AuditRecord next = log.append(event(9)).join();
      assertThat(next.seq()).isEqualTo(1_501);
      assertChainHolds(log, 1_501);
    }
  }

  @Test
  void accessStateAndRevokedTokensPersistAndExpire() {
    try (PostgresStores db = open()) {
      AccessStore store = db.access();
      store.putUserAccess(new UserAccess("shop", "alice", 5, "spam", 0));
      store.putUserAccess(new UserAccess("shop", "alice", 0, "", 7_000));
      store.revokeToken(new RevokedToken("shop", "j1", "bob", 10_000));
      store.revokeToken(new RevokedToken("shop", "j2", "bob", 20_000));
    }
    try (PostgresStores db = open()) {
      AccessStore store = db.access();
      assertThat(store.userAccess()).containsExactly(new UserAccess("shop", "alice", 0, "", 7_000));
      assertThat(store.revokedTokens(15_000)).extracting(RevokedToken::id).containsExactly("j2");
      assertThat(store.purgeRevokedTokens(15_000)).isEqualTo(1);
      assertThat(store.revokedTokens(0)).extracting(RevokedToken::id).containsExactly("j2");
    }
  }
}
