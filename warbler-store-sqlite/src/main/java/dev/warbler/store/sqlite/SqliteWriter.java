package dev.warbler.store.sqlite;

import dev.warbler.core.WarblerException;
import dev.warbler.protocol.ErrorCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the database: runs queued writes in batches, one transaction and one fsync
 * per batch (group commit). Each write runs in its own savepoint, so a failing write fails alone.
 * Futures complete, in submission order, only after their batch committed. A batch is a {@code
 * BEGIN IMMEDIATE} transaction: it holds SQLite's write lock from its first read to its commit, so
 * writers in other processes on the same file wait for it ({@code busy_timeout}) and never
 * interleave with it.
 */
final class SqliteWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqliteWriter.class);

  /** A unit of work run inside the batch transaction on the writer thread. */
  interface Work<T> {
    T run(SqliteWriter writer) throws SQLException;
  }

  /** Runs around every batch transaction on the writer thread. */
  interface BatchHook {
    /**
     * Runs inside the transaction after the batch's last write, before {@code COMMIT}; a failure
     * rolls the whole batch back and fails every write of it.
     */
    void beforeCommit(SqliteWriter writer) throws SQLException;

    /** Runs once the batch ended, committed or rolled back. */
    void afterBatch();
  }

  private record Op<T>(Work<T> work, CompletableFuture<T> future, Consumer<T> afterCommit) {}

  private final Connection connection;
  private final BlockingQueue<Op<?>> queue;
  private final int maxBatch;
  private final BatchHook hook;
  private final Thread thread;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private final AtomicLong commits = new AtomicLong();
  private volatile boolean running = true;

  SqliteWriter(Connection connection, int maxBatch, int queueCapacity, BatchHook hook) {
    this.connection = connection;
    this.maxBatch = maxBatch;
    this.hook = hook;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.thread = Thread.ofPlatform().name("sqlite-writer").daemon().unstarted(this::loop);
    thread.start();
  }

  /** Queues a write; {@code afterCommit} runs on the writer thread before the future completes. */
  <T> CompletableFuture<T> submit(Work<T> work, Consumer<T> afterCommit) {
    CompletableFuture<T> future = new CompletableFuture<>();
    Op<T> op = new Op<>(work, future, afterCommit);
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
      // close() began between the check and the offer and may have drained the queue already:
      // nobody else would ever complete this op.
      future.completeExceptionally(
          new WarblerException(ErrorCode.UNAVAILABLE, "the store is shutting down"));
    }
    return future;
  }

  <T> CompletableFuture<T> submit(Work<T> work) {
    return submit(work, r -> {});
  }

  /** Runs a write and waits for its commit; for rare directory writes. */
  <T> T call(Work<T> work) {
    return StoreFutures.join(submit(work));
  }

  /** Transactions committed so far; each is one batch (one fsync under FULL durability). */
  long commits() {
    return commits.get();
  }

  /** A prepared statement cached for the writer's connection; only call from {@link Work}. */
  PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
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

  private void runBatch(List<Op<?>> batch) {
    Object[] results = new Object[batch.size()];
    Throwable[] errors = new Throwable[batch.size()];
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      for (int i = 0; i < batch.size(); i++) {
        s.execute("SAVEPOINT op");
        try {
          results[i] = batch.get(i).work().run(this);
          s.execute("RELEASE op");
        } catch (SQLException | RuntimeException e) {
          s.execute("ROLLBACK TO op");
          s.execute("RELEASE op");
          errors[i] = e;
        }
      }
      hook.beforeCommit(this);
      s.execute("COMMIT");
      commits.incrementAndGet();
    } catch (SQLException e) {
      log.error("store commit failed; {} writes are not durable", batch.size(), e);
      try (Statement s = connection.createStatement()) {
        s.execute("ROLLBACK");
      } catch (SQLException ignored) {
        // no transaction left to roll back
      }
      failAll(batch, new WarblerException(ErrorCode.UNAVAILABLE, "the store could not commit"));
      return;
    } finally {
      hook.afterBatch();
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), results[i], errors[i]);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Op<T> op, Object result, Throwable error) {
    if (error != null) {
      op.future().completeExceptionally(error);
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
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
  }
}
