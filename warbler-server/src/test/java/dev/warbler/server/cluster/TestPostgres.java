package dev.warbler.server.cluster;

import dev.warbler.server.Setting;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * The PostgreSQL of the server tests: {@code WARBLER_TEST_POSTGRES_URL} (default {@code
 * jdbc:postgresql://127.0.0.1:5432/test}), {@code WARBLER_TEST_POSTGRES_USER} (default {@code
 * postgres}) and {@code WARBLER_TEST_POSTGRES_PASSWORD} (default none), as in
 * warbler-store-postgres; {@code .ci/run} starts the machine's PostgreSQL when it is down. Each
 * suite runs in a schema of its own, dropped afterwards.
 */
public final class TestPostgres {
  public static final String URL =
      env("WARBLER_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
  public static final String USER = env("WARBLER_TEST_POSTGRES_USER", "postgres");
  public static final String PASSWORD = env("WARBLER_TEST_POSTGRES_PASSWORD", "");

  private TestPostgres() {}

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  /** A fresh schema name. */
  public static String newSchema(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /** The settings of a node whose store is {@code schema} of the test database. */
  public static Map<Setting, String> storeSettings(String schema) {
    return Map.of(
        Setting.STORE_KIND, "postgres",
        Setting.STORE_POSTGRES_URL, URL,
        Setting.STORE_POSTGRES_USER, USER,
        Setting.STORE_POSTGRES_PASSWORD, PASSWORD,
        Setting.STORE_POSTGRES_SCHEMA, schema);
  }

  /** Rows of {@code table} in {@code schema}. */
  public static long rows(String schema, String table) {
    try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + schema + "." + table);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count " + schema + "." + table, e);
    }
  }

  public static void drop(String schema) {
    try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop the test schema " + schema, e);
    }
  }
}
