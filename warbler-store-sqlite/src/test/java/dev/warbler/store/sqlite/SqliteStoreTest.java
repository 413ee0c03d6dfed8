package dev.warbler.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.User;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.testkit.StoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

class SqliteStoreTest extends StoreContract<SqliteStores> {
  private static final ConversationId CHAT = ConversationId.direct("alice", "bob");

  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }

  @Test
  void theMigrationRetiresTheIdsOfUsersDeletedBeforeItAndNoOtherId() throws Exception {
    Path old = dir.resolve("v8.db");
    String url = "jdbc:sqlite:" + old;
    Flyway.configure()
        .dataSource(url, "", "")
        .locations("classpath:db/sqlite")
        .target("8")
        .loggers("slf4j")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO users (app, id, name, created_at) VALUES ('acme', 'alice', 'A', 1)");
      // Deleted before: zed (its messages and conversations remain), amy and bea (a direct
      // conversation), yan (a friendship), xia (only the audit log: deleted), wu (audit actor).
      s.execute(
          "INSERT INTO conversations (app, id, last_seq, change_pos) VALUES"
              + " ('acme', 'd:alice:zed', 1, 1), ('acme', 's:zed', 0, 2),"
              + " ('acme', 'd:amy:bea', 0, 3)");
      s.execute(
          "INSERT INTO messages (app, conversation, seq, id, client_msg_id, sender, type, text,"
              + " payload, sent_at) VALUES ('acme', 'd:alice:zed', 1, 'm1', 'c1', 'zed', "
              + MessageType.TEXT.wire()
              + ", 'hi', '', 1)");
      s.execute(
          "INSERT INTO friends (app, user_id, friend, since) VALUES ('acme', 'alice', 'yan', 1)");
      s.execute(
          "INSERT INTO audit_log (seq, time, app, actor, ip, action, target, outcome, error,"
              + " count, detail, prev_hash, hash) VALUES"
              + " (1, 1, 'acme', 'admin', '', 'user.delete', 'xia', 'ok', '', 1, '', '', 'h1'),"
              + " (2, 2, 'acme', 'user:wu', '', 'access.denied', 'x', 'denied', 'FORBIDDEN', 1,"
              + " '', 'h1', 'h2'),"
              + " (3, 3, 'acme', 'admin', '', 'token.revoke', 'minted', 'ok', '', 1, '', 'h2',"
              + " 'h3')");
      // A token the backend minted for a user it never created, then revoked: not a user.
      s.execute(
          "INSERT INTO revoked_tokens (app, token_id, user_id, expires_at)"
              + " VALUES ('acme', 't1', 'minted', 1)");
    }

    try (SqliteStores migrated = new SqliteStores(SqliteConfig.defaults(old))) {
      for (String gone : List.of("zed", "amy", "bea", "yan", "xia", "wu")) {
        assertThat(migrated.directory().retired("acme", gone)).as(gone).isTrue();
        assertThat(migrated.directory().createUser(new User("acme", gone, gone, 5)))
            .as(gone)
            .isFalse();
      }
      assertThat(migrated.directory().retired("acme", "alice")).isFalse();
      assertThat(migrated.directory().retired("acme", "minted")).isFalse();
      assertThat(migrated.directory().retired("other", "zed")).isFalse();
      assertThat(migrated.directory().createUser(new User("acme", "minted", "Minted", 5))).isTrue();
    }
  }

  @Test
  void theCounterMigrationStartsSyncPositionsAboveEveryPositionStoredBeforeIt() throws Exception {
    Path old = dir.resolve("v10.db");
    String url = "jdbc:sqlite:" + old;
    Flyway.configure()
        .dataSource(url, "", "")
        .locations("classpath:db/sqlite")
        .target("10")
        .loggers("slf4j")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      // The largest position is a member row's (alice read), as the old counter could leave it.
      s.execute(
          "INSERT INTO conversations (app, id, last_seq, change_pos) VALUES"
              + " ('acme', 'd:alice:bob', 1, 41), ('acme', 'd:alice:carl', 0, 12)");
      s.execute(
          "INSERT INTO members (app, conversation, user_id, read_seq, change_pos) VALUES"
              + " ('acme', 'd:alice:bob', 'alice', 1, 57), ('acme', 'd:alice:bob', 'bob', 1, 41),"
              + " ('acme', 'd:alice:carl', 'alice', 0, 12)");
    }

    try (SqliteStores migrated = new SqliteStores(SqliteConfig.defaults(old))) {
      migrated
          .messages()
          .append(message(APP, ConversationId.direct("alice", "carl"), "carl", "after"))
          .join();

      SyncPage page = migrated.messages().changedSince(APP, "alice", 57, 10);
      assertThat(page.conversations())
          .extracting(ConversationState::conversation)
          .containsExactly(ConversationId.direct("alice", "carl"));
      assertThat(page.cursor()).isEqualTo(58);
    }
  }

  @Test
  void everyBatchWritesTheLastPositionItTookBackToTheCounterRow() throws Exception {
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      ConversationId c = ConversationId.direct("alice", "u" + (i % 7));
      futures.add(messages().append(message(c, i % 2 == 0 ? "alice" : "u" + (i % 7))));
    }
    futures.forEach(StoreContract::resultOf);

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("warbler.db"));
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT value FROM sync_position),"
                    + " max((SELECT max(change_pos) FROM conversations),"
                    + " (SELECT max(change_pos) FROM members))")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(rs.getLong(2)).isGreaterThanOrEqualTo(500);
    }
  }

  @Test
  void theDatabaseRunsInWalModeWithFullSynchronousByDefault() throws Exception {
    append(message(CHAT, "alice"));

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("warbler.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
    }
    assertThat(stores().synchronous()).isEqualTo(2);
  }

  @Test
  void theDurabilitySettingChoosesTheSynchronousMode() {
    for (Durability d : Durability.values()) {
      SqliteConfig config = new SqliteConfig(dir.resolve(d.name() + ".db"), d, 1_000, 100_000, 1);
      try (SqliteStores s = new SqliteStores(config)) {
        int expected =
            switch (d) {
              case FULL -> 2;
              case NORMAL -> 1;
              case OFF -> 0;
            };
        assertThat(s.synchronous()).as(d.name()).isEqualTo(expected);
      }
    }
  }

  @Test
  void groupCommitPutsManyConcurrentAppendsIntoFewerCommits() throws Exception {
    int threads = 8;
    int perThread = 250;
    long commitsBefore = stores().commits();
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<List<CompletableFuture<AppendResult>>>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tasks.add(
            pool.submit(() -> {
              start.await();
              List<CompletableFuture<AppendResult>> mine = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                mine.add(messages().append(message(CHAT, "alice")));
              }
              return mine;
            }));
      }
      start.countDown();
      for (Future<List<CompletableFuture<AppendResult>>> task : tasks) {
        futures.addAll(task.get(WAIT.toSeconds(), TimeUnit.SECONDS));
      }
    }
    futures.forEach(StoreContract::resultOf);

    long commits = stores().commits() - commitsBefore;
    assertThat(commits).isPositive().isLessThan(threads * perThread);
    assertThat(messages().after(APP, CHAT, 0, 10_000).messages())
        .extracting(ChatMessage::seq)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, threads * perThread).boxed().toList());
  }

  @Test
  void noCommitHoldsMoreThanMaxBatchWrites() throws Exception {
    closeStores();
    SqliteConfig config =
        new SqliteConfig(dir.resolve("small-batches.db"), Durability.OFF, 10, 100_000, 1);
    try (SqliteStores small = new SqliteStores(config)) {
      List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        futures.add(small.messages().append(message(CHAT, "alice")));
      }
      futures.forEach(StoreContract::resultOf);

      assertThat(small.commits()).isGreaterThanOrEqualTo(50);
    }
  }

  @Test
  void aFullWriteQueueFailsAppendsWithUnavailableInsteadOfWaiting() throws Exception {
    closeStores();
    SqliteConfig config =
        new SqliteConfig(dir.resolve("tiny-queue.db"), Durability.FULL, 1_000, 1, 1);
    try (SqliteStores tiny = new SqliteStores(config)) {
      CountDownLatch writerBusy = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      // Holds the writer thread inside a batch so the queue can fill up.
      CompletableFuture<Boolean> running =
          tiny.database()
              .writer()
              .submit(
                  w -> {
                    writerBusy.countDown();
                    try {
                      return release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return false;
                    }
                  },
                  r -> {});
      assertThat(writerBusy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      CompletableFuture<AppendResult> queued = tiny.messages().append(message(CHAT, "alice"));

      CompletableFuture<AppendResult> refused = tiny.messages().append(message(CHAT, "alice"));

      assertThat(refused).isCompletedExceptionally();
      assertThat(refused.exceptionNow())
          .isInstanceOfSatisfying(
              WarblerException.class,
              w -> {
                assertThat(w.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(w.retryAfterMillis()).isPositive();
              });
      release.countDown();
      assertThat(resultOf(running)).isTrue();
      assertThat(resultOf(queued).message().seq()).isEqualTo(1);
    }
  }
}
