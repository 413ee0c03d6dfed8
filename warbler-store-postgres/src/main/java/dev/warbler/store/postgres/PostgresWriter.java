package dev.warbler.store.postgres;

import dev.warbler.core.WarblerException;
import dev.warbler.protocol.ErrorCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's writer: runs queued writes in batches, one transaction and one commit per batch (group
 * commit), on a connection of the pool taken for the batch. Futures complete, in submission order,
 * only after their batch committed (with {@code synchronous_commit} on, the server's default, after
 * the commit record is flushed).
 *
 * <p>A batch first runs without savepoints (the common case: no write fails). When a write fails,
 * the batch is rolled back and run again with a savepoint per write, so a failing write fails alone
 * exactly as on SQLite; a write that hits a unique violation there (another node inserted the same
 * key since the write read it) runs once more, and then sees the other node's row. A batch that
 * fails with a serialization failure or a deadlock ({@code 40001}, {@code 40P01}) runs again from
 * the start, up to {@link #MAX_ATTEMPTS} times. When PostgreSQL cannot be reached the batch fails
 * with UNAVAILABLE (retryable), and the next batch takes a fresh connection: the pool reconnects by
 * itself.
 *
 * <p>Writes submitted with a key (appends: app and conversation) are run in key order within each
 * stretch of keyed writes between unkeyed ones, so that two nodes lock conversation rows in the
 * same order; writes of one key keep their submission order, and unkeyed writes keep their place.
 */
final class PostgresWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresWriter.class);

  /** Runs of a batch that failed on a serialization failure or a deadlock, before it fails. */
  static final int MAX_ATTEMPTS = 5;

  /** A unit of work run inside the batch transaction on the writer thread. */
  interface Work<T> {
    T run(PostgresWriter writer) throws SQLException;
  }

  /** Runs around every batch transaction and every write of it, on the writer thread. */
  interface BatchHook {
    /** Runs before each write of a batch. */
    void beginWrite();

    /** Runs after a write was rolled back to its savepoint. */
    void writeRolledBack();

    /**
     * Runs inside the transaction after the batch's last write, before {@code COMMIT}; a failure
     * rolls the whole batch back and fails every write of it.
     */
    void beforeCommit(PostgresWriter writer) throws SQLException;

    /** Runs once each run of the batch ended, committed or rolled back. */
    void afterBatch();
  }

  /**
   * Runs a stretch of like writes of one batch together (e.g. appends as one statement): one result
   * per item, in order. A failure makes the batch run again with a savepoint per write, where each
   * write runs alone as its {@link Work}.
   */
  interface Bulk<I> {
    List<Object> run(PostgresWriter writer, List<I> items) throws SQLException;
  }

  private record Op<T>(
      @Nullable String key,
      Work<T> work,
      @Nullable Bulk<Object> bulk,
      @Nullable Object item,
      CompletableFuture<T> future,
      Consumer<T> afterCommit) {}

  /** Why a run of a batch stopped before its commit. */
  private static final class WriteFailed extends Exception {
    WriteFailed() {
      super(null, null, false, false);
    }
  }

  /**
   * The batch's connection broke before its commit was sent (the server restarted, or an
   * administrator ended the backend since the pool handed it out): nothing committed, so the batch
   * may run again on a fresh connection.
   */
  private static final class ConnectionLost extends Exception {
    final SQLException cause;

    ConnectionLost(SQLException cause) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
    }
  }

  /** Runs of a batch on a fresh connection after its connection broke before the commit. */
  static final int MAX_RECONNECTS = 2;

  private static final Comparator<Op<?>> BY_KEY =
      Comparator.comparing(op -> op.key() == null ? "" : op.key());

  private final DataSource pool;
  private final BlockingQueue<Op<?>> queue;
  private final int maxBatch;
  private final BatchHook hook;
  private final Thread thread;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private @Nullable Connection connection;
  private volatile boolean running = true;

  PostgresWriter(DataSource pool, int maxBatch, int queueCapacity, BatchHook hook) {
    this.pool = pool;
    this.maxBatch = maxBatch;
    this.hook = hook;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.thread = Thread.ofPlatform().name("postgres-writer").daemon().unstarted(this::loop);
    thread.start();
  }

  /** Queues a write; {@code afterCommit} runs on the writer thread before the future completes. */
  <T> CompletableFuture<T> submit(@Nullable String key, Work<T> work, Consumer<T> afterCommit) {
    return enqueue(new Op<>(key, work, null, null, new CompletableFuture<>(), afterCommit));
  }

  /**
   * Queues a write that may run together with the like writes next to it in its batch ({@code bulk}
   * over each one's {@code item}, see {@link Bulk}); alone (with a savepoint) it runs as {@code
   * work}.
   */
  @SuppressWarnings("unchecked")
  <I, T> CompletableFuture<T> submitBulk(String key, Bulk<I> bulk, I item, Work<T> work) {
    return enqueue(
        new Op<>(key, work, (Bulk<Object>) bulk, item, new CompletableFuture<>(), r -> {}));
  }

  private <T> CompletableFuture<T> enqueue(Op<T> op) {
    CompletableFuture<T> future = op.future();
    if (!running) {
      future.completeExceptionally(
          new WarblerException(ErrorCode.UNAVAILABLE, "the store is shutting down"));
    } else if (!queue.offer(op)) {
      future.completeExceptionally(
          new WarblerException(
              ErrorCode.UNAVAILABLE,
              "the store's write queue is full (store.write-queue); retry later",
              100));
    } else if (!running && queue.remove(op)) {
      // close() began between the check and the offer and may have drained the queue already.
      future.completeExceptionally(
          new WarblerException(ErrorCode.UNAVAILABLE, "the store is shutting down"));
    }
    return future;
  }

  <T> CompletableFuture<T> submit(Work<T> work, Consumer<T> afterCommit) {
    return submit(null, work, afterCommit);
  }

  <T> CompletableFuture<T> submit(Work<T> work) {
    return submit(null, work, r -> {});
  }

  /** Runs a write and waits for its commit; for rare directory writes. */
  <T> T call(Work<T> work) {
    return StoreFutures.join(submit(work));
  }

  /** Transactions committed so far; each is one batch. */
  long commits() {
    return commits.get();
  }

  /** Batch runs repeated after a serialization failure or a deadlock. */
  long retries() {
    return retries.get();
  }

  /** The connection of the running batch; only call from {@link Work}. */
  Connection connection() {
    Connection c = connection;
    if (c == null) {
      throw new IllegalStateException("no batch is running on this thread");
    }
    return c;
  }

  /** A prepared statement for the batch's connection; only call from {@link Work}. */
  PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      // pgjdbc keeps the server-side prepared statement per connection and SQL text, so a
      // statement prepared again in a later batch on the same connection is not parsed again.
      ps = connection().prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  private void loop() {
    List<Op<?>> batch = new ArrayList<>(maxBatch);
    while (running || !queue.isEmpty()) {
      try {
        Op<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        order(batch);
        runBatch(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (RuntimeException e) {
        log.error("store writer failed on a batch of {}", batch.size(), e);
        failAll(batch, e);
      } finally {
        batch.clear();
      }
    }
  }

  /** Sorts each stretch of keyed writes by key (stable: one key keeps its order). */
  private static void order(List<Op<?>> batch) {
    int start = 0;
    for (int i = 0; i <= batch.size(); i++) {
      if (i == batch.size() || batch.get(i).key() == null) {
        if (i - start > 1) {
          batch.subList(start, i).sort(BY_KEY);
        }
        start = i + 1;
      }
    }
  }

  private void runBatch(List<Op<?>> batch) {
    Object[] results = new Object[batch.size()];
    Throwable[] errors = new Throwable[batch.size()];
    boolean savepoints = false;
    int attempt = 1;
    int reconnects = 0;
    while (true) {
      Arrays.fill(results, null);
      Arrays.fill(errors, null);
      try {
        runOnce(batch, results, errors, savepoints);
        break;
      } catch (WriteFailed e) {
        // A write failed without savepoints: run the batch again with one per write.
        savepoints = true;
      } catch (ConnectionLost e) {
        if (reconnects < MAX_RECONNECTS) {
          reconnects++;
          log.info("store connection lost before a commit ({}); running the batch again", e);
          continue;
        }
        failAll(batch, failure(e.cause, batch.size()));
        return;
      } catch (SQLException e) {
        if (retryable(e) && attempt < MAX_ATTEMPTS) {
          attempt++;
          retries.incrementAndGet();
          log.debug("store batch of {} conflicted ({}); running it again", batch.size(), e);
          continue;
        }
        failAll(batch, failure(e, batch.size()));
        return;
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), results[i], errors[i]);
    }
  }

  private void runOnce(List<Op<?>> batch, Object[] results, Throwable[] errors, boolean savepoints)
      throws SQLException, WriteFailed, ConnectionLost {
    // A timeout here (PostgreSQL down, the pool exhausted) fails the batch: no retry.
    Connection c = pool.getConnection();
    boolean committing = false;
    try (c) {
      connection = c;
      try {
        c.setAutoCommit(false);
        for (int i = 0; i < batch.size(); ) {
          hook.beginWrite();
          if (savepoints) {
            runWithSavepoint(c, batch.get(i), i, results, errors);
            i++;
          } else {
            try {
              i = runFast(batch, i, results);
            } catch (SQLException e) {
              if (batchLevel(e)) {
                throw e;
              }
              throw new WriteFailed();
            } catch (RuntimeException e) {
              throw new WriteFailed();
            }
          }
        }
        hook.beforeCommit(this);
        committing = true;
        c.commit();
        commits.incrementAndGet();
      } catch (SQLException e) {
        rollbackQuietly(c);
        if (!committing && PostgresDatabase.unreachable(e)) {
          throw new ConnectionLost(e);
        }
        // A commit that broke off may have committed: the batch fails, and a retry of a send
        // with the same client message id finds what it stored.
        throw e;
      } catch (WriteFailed | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      } finally {
        hook.afterBatch();
        closeStatements();
        connection = null;
        try {
          c.setAutoCommit(true);
        } catch (SQLException ignored) {
          // a broken connection; the pool evicts it
        }
      }
    }
  }

  /**
   * Runs the write at {@code i}, or the stretch of like bulk writes starting there, without a
   * savepoint; returns the index after what ran.
   */
  private int runFast(List<Op<?>> batch, int i, Object[] results) throws SQLException {
    Op<?> op = batch.get(i);
    Bulk<Object> bulk = op.bulk();
    if (bulk == null) {
      results[i] = op.work().run(this);
      return i + 1;
    }
    int end = i + 1;
    while (end < batch.size() && batch.get(end).bulk() == bulk) {
      end++;
    }
    List<Object> items = new ArrayList<>(end - i);
    for (int k = i; k < end; k++) {
      items.add(java.util.Objects.requireNonNull(batch.get(k).item()));
    }
    List<Object> out = bulk.run(this, items);
    if (out.size() != items.size()) {
      throw new IllegalStateException(
          "a bulk write returned " + out.size() + " results for " + items.size() + " writes");
    }
    for (int k = i; k < end; k++) {
      results[k] = out.get(k - i);
    }
    return end;
  }

  private void runWithSavepoint(Connection c, Op<?> op, int i, Object[] results, Throwable[] errors)
      throws SQLException {
    for (int run = 1; ; run++) {
      Savepoint sp = c.setSavepoint();
      try {
        results[i] = op.work().run(this);
        c.releaseSavepoint(sp);
        return;
      } catch (SQLException e) {
        if (batchLevel(e)) {
          throw e;
        }
        c.rollback(sp);
        hook.writeRolledBack();
        if (run == 1 && UNIQUE_VIOLATION.equals(e.getSQLState())) {
          // Another node committed the same key after this write looked for it: look again.
          hook.beginWrite();
          continue;
        }
        errors[i] = e;
        return;
      } catch (RuntimeException e) {
        c.rollback(sp);
        hook.writeRolledBack();
        errors[i] = e;
        return;
      }
    }
  }

  private static final String UNIQUE_VIOLATION = "23505";

  /** A serialization failure or a deadlock: the whole batch runs again. */
  static boolean retryable(SQLException e) {
    String state = e.getSQLState();
    return "40001".equals(state) || "40P01".equals(state);
  }

  /** A failure of the batch rather than of one write: retry or fail the batch. */
  private static boolean batchLevel(SQLException e) {
    return retryable(e) || PostgresDatabase.unreachable(e);
  }

  private static WarblerException failure(SQLException e, int writes) {
    if (PostgresDatabase.unreachable(e)) {
      log.warn("store unavailable; {} writes failed: {}", writes, e.getMessage());
      return PostgresDatabase.unavailable(e);
    }
    log.error("store commit failed; {} writes are not durable", writes, e);
    return new WarblerException(ErrorCode.UNAVAILABLE, "the store could not commit", 100);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // no transaction left to roll back, or the connection is gone
    }
  }

  private void closeStatements() {
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
    statements.clear();
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Op<T> op, @Nullable Object result, @Nullable Throwable error) {
    if (error != null) {
      op.future()
          .completeExceptionally(
              error instanceof SQLException e ? PostgresDatabase.refusedInput(e) : error);
      return;
    }
    try {
      op.afterCommit().accept((T) result);
    } catch (RuntimeException e) {
      log.warn("after-commit hook failed", e);
    }
    op.future().complete((T) result);
  }

  private static void failAll(List<Op<?>> batch, Throwable e) {
    for (Op<?> op : batch) {
      op.future().completeExceptionally(e);
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Op<?> left;
    while ((left = queue.poll()) != null) {
      left.future()
          .completeExceptionally(new WarblerException(ErrorCode.UNAVAILABLE, "store closed"));
    }
  }
}
