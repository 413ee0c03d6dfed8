package dev.warbler.store.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The PostgreSQL the tests run on: {@code WARBLER_TEST_POSTGRES_URL} (default {@code
 * jdbc:postgresql://127.0.0.1:5432/test}), user {@code WARBLER_TEST_POSTGRES_USER} (default {@code
 * postgres}) and password {@code WARBLER_TEST_POSTGRES_PASSWORD} (default none: trust). A bundle
 * "over a directory" lives in a schema of its own, named by a random name written into the
 * directory, so that reopening the directory opens the same data while tests never see each
 * other's. Register the class as an extension ({@code @ExtendWith(TestDatabase.class)}) to drop the
 * schemas a test created after it. An unreachable database fails the test, never skips it.
 */
public final class TestDatabase implements AfterEachCallback {
  static final String URL =
      env("WARBLER_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
  static final String USER = env("WARBLER_TEST_POSTGRES_USER", "postgres");
  static final String PASSWORD = env("WARBLER_TEST_POSTGRES_PASSWORD", "");

  private static final String SCHEMA_FILE = "postgres-schema";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<String> CREATED = new ArrayList<>();

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  /** A fresh schema name, dropped after the test. */
  static String newSchema() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    String name = "t_" + HexFormat.of().formatHex(b);
    synchronized (CREATED) {
      CREATED.add(name);
    }
    return name;
  }

  /** The schema kept "under" {@code dir}: new the first time, the same on every later call. */
  static String schemaOf(Path dir) {
    Path file = dir.resolve(SCHEMA_FILE);
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).strip();
      }
      String name = newSchema();
      Files.writeString(file, name, StandardCharsets.UTF_8);
      return name;
    } catch (IOException e) {
      throw new IllegalStateException("cannot keep the test schema's name in " + dir, e);
    }
  }

  /** The test settings over {@code schema}: a small pool, the server's other defaults. */
  static PostgresConfig config(String schema) {
    PostgresConfig d = PostgresConfig.defaults(URL, USER, PASSWORD, schema);
    return new PostgresConfig(
        d.url(), d.user(), d.password(), schema, 4, d.maxBatch(), d.writeQueue(), 5_000);
  }

  /** Opens the bundle kept under {@code dir}, failing clearly when PostgreSQL is not there. */
  static PostgresStores open(Path dir) {
    requireReachable();
    return new PostgresStores(config(schemaOf(dir)));
  }

  /** A plain connection to the test database (autocommit). */
  static Connection connect() throws SQLException {
    return DriverManager.getConnection(URL, USER, PASSWORD);
  }

  /** Fails with how to fix it when nothing answers at {@link #URL}. */
  static void requireReachable() {
    try (Connection c = connect()) {
      Objects.requireNonNull(c);
    } catch (SQLException e) {
      throw new AssertionError(
          "PostgreSQL is not reachable at "
              + URL
              + " as "
              + USER
              + " ("
              + e.getMessage()
              + "). Start it (.ci/run does: pg_ctlcluster --skip-systemctl-redirect"
              + " $(ls /etc/postgresql) main start) or point WARBLER_TEST_POSTGRES_URL"
              + " (and _USER, _PASSWORD) at one.",
          e);
    }
  }

  /** Drops every schema the tests created so far. */
  static void dropCreated() {
    List<String> names;
    synchronized (CREATED) {
      names = List.copyOf(CREATED);
      CREATED.clear();
    }
    if (names.isEmpty()) {
      return;
    }
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String name : names) {
        s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop the test schemas " + names, e);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    dropCreated();
  }
}
