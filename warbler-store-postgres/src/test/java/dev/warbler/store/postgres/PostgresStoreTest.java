package dev.warbler.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.testkit.StoreContract;
import java.nio.file.Path;
import java.sql.Connection;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestDatabase.class)
class PostgresStoreTest extends StoreContract<PostgresStores> {
  private static final ConversationId CHAT = ConversationId.direct("alice", "bob");

  @Override
  protected PostgresStores openStores(Path dir) {
    return TestDatabase.open(dir);
  }

  private PostgresConfig config(int maxBatch, int writeQueue) {
    PostgresConfig d = TestDatabase.config(TestDatabase.schemaOf(dir));
    return new PostgresConfig(
        d.url(),
        d.user(),
        d.password(),
        d.schema(),
        d.poolSize(),
        maxBatch,
        writeQueue,
        d.connectTimeoutMillis());
  }

  @Test
  void writesAreAckedWithSynchronousCommitOn() {
    assertThat(stores().synchronousCommit()).isEqualTo("on");
  }

  @Test
  void theSchemaIsCreatedWhenAbsentAndHoldsEveryTable() throws Exception {
    String schema = TestDatabase.schemaOf(dir);
    try (Connection c = TestDatabase.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '"
                    + schema
                    + "' AND table_name IN ('messages', 'conversations', 'members',"
                    + " 'sync_position', 'audit_log', 'flyway_schema_history')")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(6);
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

    String schema = TestDatabase.schemaOf(dir);
    try (Connection c = TestDatabase.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT value FROM "
                    + schema
                    + ".sync_position), greatest((SELECT max(change_pos) FROM "
                    + schema
                    + ".conversations), (SELECT max(change_pos) FROM "
                    + schema
                    + ".members))")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(rs.getLong(2)).isGreaterThanOrEqualTo(500);
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
  void noCommitHoldsMoreThanMaxBatchWrites() {
    closeStores();
    try (PostgresStores small = new PostgresStores(config(10, 100_000))) {
      List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        futures.add(small.messages().append(message(CHAT, "alice")));
      }
      futures.forEach(StoreContract::resultOf);

      assertThat(small.commits()).isGreaterThanOrEqualTo(50);
    }
  }

  @Test
  void aFailingWriteFailsAloneAndTheRestOfItsBatchCommits() {
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    CompletableFuture<Object> failing = null;
    for (int i = 0; i < 200; i++) {
      if (i == 100) {
        failing =
            stores()
                .database()
                .writer()
                .submit(w -> {
                  w.statement("INSERT INTO no_such_table VALUES (1)").executeUpdate();
                  return null;
                });
      }
      futures.add(messages().append(message(CHAT, i % 2 == 0 ? "alice" : "bob")));
    }
    futures.forEach(StoreContract::resultOf);

    assertThat(failing).isNotNull();
    assertThat(failing).isCompletedExceptionally();
    assertThat(messages().after(APP, CHAT, 0, 1_000).messages())
        .extracting(ChatMessage::seq)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 200).boxed().toList());
  }

  /**
   * Holds the writer inside a batch until {@code release}, so that what is queued meanwhile forms
   * the next batch.
   */
  private CompletableFuture<Boolean> holdTheWriter(CountDownLatch release) throws Exception {
    CountDownLatch busy = new CountDownLatch(1);
    CompletableFuture<Boolean> running =
        stores()
            .database()
            .writer()
            .submit(
                w -> {
                  busy.countDown();
                  try {
                    return release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                  }
                },
                r -> {});
    assertThat(busy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    return running;
  }

  @Test
  void appendsOfOneBatchGetSeqsMembersAndReadPositionsAsIfAppendedOneByOne() throws Exception {
    ConversationId fresh = ConversationId.direct("carol", "dave");
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Boolean> held = holdTheWriter(release);
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    for (String sender : List.of("carol", "dave", "carol", "carol", "dave")) {
      futures.add(messages().append(message(fresh, sender)));
    }
    NewMessage repeated = message(APP, fresh, "dave", "again");
    futures.add(messages().append(repeated));
    futures.add(messages().append(message(APP, fresh, "dave", "again")));
    release.countDown();
    assertThat(resultOf(held)).isTrue();

    List<AppendResult> results = futures.stream().map(StoreContract::resultOf).toList();
    assertThat(results)
        .extracting(r -> r.message().seq())
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 6L);
    assertThat(results)
        .extracting(AppendResult::duplicate)
        .containsExactly(false, false, false, false, false, false, true);
    assertThat(results.get(6).message().id()).isEqualTo(repeated.id());
    assertThat(messages().state(APP, "carol", fresh).orElseThrow().readSeq()).isEqualTo(4);
    assertThat(messages().state(APP, "dave", fresh).orElseThrow().readSeq()).isEqualTo(6);
    assertThat(messages().changedSince(APP, "carol", 0, 10).conversations())
        .extracting(ConversationState::conversation)
        .containsExactly(fresh);
  }

  @Test
  void textWithTheNulCharacterIsRefusedAsInvalidAndTheRestOfTheBatchCommits() {
    NewMessage nul =
        new NewMessage(APP, CHAT, "m-nul", "c-nul", "alice", MessageType.TEXT, "a\u0000b", "", 1L);
    CompletableFuture<AppendResult> refused = messages().append(nul);
    CompletableFuture<AppendResult> fine = messages().append(message(CHAT, "bob"));

    assertThat(refused)
        .failsWithin(WAIT)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            WarblerException.class,
            w -> assertThat(w.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThat(resultOf(fine).message().seq()).isEqualTo(1);
  }

  @Test
  void aFullWriteQueueFailsAppendsWithUnavailableInsteadOfWaiting() throws Exception {
    closeStores();
    try (PostgresStores tiny = new PostgresStores(config(1_000, 1))) {
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

  @Test
  void anUnreachableDatabaseFailsTheOpenNamingTheUrlAndNotThePassword() {
    PostgresConfig nowhere =
        new PostgresConfig(
            "jdbc:postgresql://127.0.0.1:1/warbler",
            "warbler",
            "s3cret-pw",
            "warbler",
            2,
            10,
            10,
            500);

    assertThatThrownBy(() -> new PostgresStores(nowhere).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:1/warbler")
        .hasMessageNotContaining("s3cret-pw");
    assertThat(nowhere.toString()).doesNotContain("s3cret-pw");
  }

  @Test
  void badSettingsAreRefusedWithTheSettingsName() {
    assertThatThrownBy(
            () -> PostgresConfig.defaults("jdbc:mysql://x/y", "u", "", "warbler").toString())
        .hasMessageContaining("store.postgres.url");
    assertThatThrownBy(
            () -> PostgresConfig.defaults(TestDatabase.URL, "u", "", "Robert'); DROP").toString())
        .hasMessageContaining("store.postgres.schema");
  }
}
