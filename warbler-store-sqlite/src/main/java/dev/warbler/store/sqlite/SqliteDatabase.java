package dev.warbler.store.sqlite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.flywaydb.core.Flyway;

/**
 * The one SQLite database every port of {@link SqliteStores} shares: migrated at open, written by
 * one {@link SqliteWriter} (group commit), read through a small pool of read-only connections that
 * see committed data only (WAL snapshots), and the sync change-position counter kept in it ({@link
 * SyncPositions}).
 */
final class SqliteDatabase implements AutoCloseable {
  private final String url;
  private final SqliteWriter writer;
  private final Connection writeConnection;
  private final BlockingQueue<Connection> readers;
  private final List<Connection> allReaders = new ArrayList<>();
  private final SyncPositions positions = new SyncPositions();

  SqliteDatabase(SqliteConfig config) {
    try {
      Path parent = config.file().toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.url = "jdbc:sqlite:" + config.file().toAbsolutePath();
      migrate();
      this.writeConnection = open(config.durability(), false);
      this.readers = new ArrayBlockingQueue<>(config.readConnections());
      for (int i = 0; i < config.readConnections(); i++) {
        Connection c = open(config.durability(), true);
        allReaders.add(c);
        readers.add(c);
      }
      this.writer =
          new SqliteWriter(writeConnection, config.maxBatch(), config.writeQueue(), positions);
    } catch (SQLException | java.io.IOException e) {
      throw new IllegalStateException("cannot open the store at " + config.file(), e);
    }
  }

  private void migrate() {
    Flyway.configure()
        .dataSource(url, "", "")
        .locations("classpath:db/sqlite")
        .loggers("slf4j")
        .load()
        .migrate();
  }

  private Connection open(Durability durability, boolean readOnly) throws SQLException {
    // sqlite-jdbc only accepts read-only at open time, not via Connection.setReadOnly later.
    org.sqlite.SQLiteConfig options = new org.sqlite.SQLiteConfig();
    options.setReadOnly(readOnly);
    // No code reads generated keys; computing them costs a regex over the SQL of every update.
    options.setGetGeneratedKeys(false);
    Connection c = DriverManager.getConnection(url, options.toProperties());
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=" + durability.name());
      s.execute("PRAGMA busy_timeout=5000");
      s.execute("PRAGMA foreign_keys=OFF");
    }
    return c;
  }

  interface Read<T> {
    T run(Connection c) throws SQLException;
  }

  /** The single writer, for the ports of this package that share the database. */
  SqliteWriter writer() {
    return writer;
  }

  /** The writer's connection; only use it from a write running on the writer. */
  Connection writeConnection() {
    return writeConnection;
  }

  /**
   * The next sync change position, above every position committed before by any writer on the
   * database and below every one committed after; only call from a write running on the writer.
   */
  long nextChangePosition() throws SQLException {
    return positions.next(writer);
  }

  /** Runs a read on a pooled read-only connection. */
  <T> T read(Read<T> work) {
    Connection c;
    try {
      c = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for a store connection", e);
    }
    try {
      return work.run(c);
    } catch (SQLException e) {
      throw new IllegalStateException("store read failed", e);
    } finally {
      readers.add(c);
    }
  }

  /** Batches committed by the writer since the store opened; for tests of group commit. */
  long commits() {
    return writer.commits();
  }

  /**
   * The writer connection's {@code PRAGMA synchronous} as SQLite reports it (0 OFF, 1 NORMAL, 2
   * FULL): what {@link Durability} became. Runs on the writer; the server exports it as a gauge.
   */
  int synchronous() {
    return writer.call(w -> {
      try (ResultSet rs = w.statement("PRAGMA synchronous").executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  @Override
  public void close() {
    writer.close();
    for (Connection c : allReaders) {
      closeQuietly(c);
    }
    closeQuietly(writeConnection);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // closing anyway
    }
  }
}
