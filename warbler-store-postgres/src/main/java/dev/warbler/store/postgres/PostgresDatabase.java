package dev.warbler.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.warbler.core.WarblerException;
import dev.warbler.protocol.ErrorCode;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.flywaydb.core.Flyway;

/**
 * The PostgreSQL database every port of {@link PostgresStores} shares: a HikariCP pool over the
 * configured schema (created and migrated at open), one {@link PostgresWriter} per bundle (group
 * commit), reads on pool connections in autocommit, and the sync change-position counter row
 * ({@link SyncPositions}) shared with every other node on the database.
 */
final class PostgresDatabase implements AutoCloseable {
  private final HikariDataSource pool;
  private final PostgresWriter writer;
  private final SyncPositions positions = new SyncPositions();

  PostgresDatabase(PostgresConfig config) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("warbler-postgres");
    hc.setJdbcUrl(config.url());
    hc.setUsername(config.user());
    if (!config.password().isEmpty()) {
      hc.setPassword(config.password());
    }
    hc.setSchema(config.schema());
    hc.setMaximumPoolSize(config.poolSize());
    hc.setMinimumIdle(Math.min(2, config.poolSize()));
    hc.setConnectionTimeout(config.connectTimeoutMillis());
    hc.setValidationTimeout(Math.min(1_000, config.connectTimeoutMillis()));
    hc.setInitializationFailTimeout(config.connectTimeoutMillis());
    // Names the schema, so that an operator sees which nodes use which schema.
    hc.addDataSourceProperty("ApplicationName", "warbler/" + config.schema());
    hc.addDataSourceProperty("tcpKeepAlive", "true");
    try {
      this.pool = new HikariDataSource(hc);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot reach PostgreSQL at "
              + config.url()
              + " as user '"
              + config.user()
              + "': "
              + rootMessage(e),
          e);
    }
    try {
      Flyway.configure()
          .dataSource(pool)
          .schemas(config.schema())
          .createSchemas(true)
          .locations("classpath:db/postgres")
          .loggers("slf4j")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw new IllegalStateException(
          "cannot migrate the schema '" + config.schema() + "' at " + config.url(), e);
    }
    this.writer = new PostgresWriter(pool, config.maxBatch(), config.writeQueue(), positions);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }

  interface Read<T> {
    T run(Connection c) throws SQLException;
  }

  /** The node's writer, for the ports of this package. */
  PostgresWriter writer() {
    return writer;
  }

  /** The running batch's connection; only use it from a write running on the writer. */
  Connection writeConnection() {
    return writer.connection();
  }

  /**
   * The next sync change position, above every position committed before by any node on the
   * database and below every one committed after; only call from a write running on the writer.
   */
  long nextChangePosition() throws SQLException {
    return positions.next(writer);
  }

  /** The sync position counter of the writer's batches (writer thread only). */
  SyncPositions positions() {
    return positions;
  }

  /**
   * Runs a read on a pool connection (autocommit: each statement sees what committed before it). A
   * read whose connection broke (the server restarted since the pool opened it) runs once more on a
   * fresh one; when PostgreSQL cannot be reached it fails with UNAVAILABLE.
   */
  <T> T read(Read<T> work) {
    for (int run = 1; ; run++) {
      Connection c;
      try {
        c = pool.getConnection();
      } catch (SQLException e) {
        throw unreachable(e) ? unavailable(e) : new IllegalStateException("store read failed", e);
      }
      try (c) {
        return work.run(c);
      } catch (SQLException e) {
        if (refusedInput(e) instanceof WarblerException w) {
          throw w;
        }
        if (!unreachable(e)) {
          throw new IllegalStateException("store read failed", e);
        }
        if (run > 1) {
          throw unavailable(e);
        }
      }
    }
  }

  /**
   * Whether {@code e} says PostgreSQL cannot be reached or dropped the connection (connection
   * exceptions {@code 08}, an administrator or crash shutdown {@code 57P0x}, a pool timeout), as
   * opposed to a failure of the statement.
   */
  static boolean unreachable(SQLException e) {
    if (e instanceof SQLTransientConnectionException) {
      return true;
    }
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("57P0"));
  }

  /**
   * INVALID_ARGUMENT for text PostgreSQL cannot keep (U+0000, which SQLite stores: {@code 22021},
   * {@code 22P05}); {@code e} itself otherwise.
   */
  static Exception refusedInput(SQLException e) {
    String state = e.getSQLState();
    if ("22021".equals(state) || "22P05".equals(state)) {
      return new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "text must not contain the character U+0000 (the PostgreSQL store cannot keep it)");
    }
    return e;
  }

  /** The retryable error a caller gets while PostgreSQL cannot be reached. */
  static WarblerException unavailable(SQLException e) {
    return new WarblerException(
        ErrorCode.UNAVAILABLE,
        "the store cannot reach PostgreSQL ("
            + (e.getSQLState() == null ? "no connection" : "SQLSTATE " + e.getSQLState())
            + "); retry later",
        1_000);
  }

  /** Batches committed by the writer since the store opened; for tests of group commit. */
  long commits() {
    return writer.commits();
  }

  @Override
  public void close() {
    writer.close();
    pool.close();
  }
}
