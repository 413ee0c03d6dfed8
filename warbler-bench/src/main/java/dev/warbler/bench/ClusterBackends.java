package dev.warbler.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * Where spawned cluster nodes keep their state: one PostgreSQL (a new schema per run) and one NATS
 * (new subjects and buckets per run). A picocli mixin of {@code bench} and {@code chaos crash}; the
 * password comes from {@code PGPASSWORD}, never from a flag.
 */
public final class ClusterBackends {
  @CommandLine.Option(
      names = "--postgres-url",
      defaultValue = "jdbc:postgresql://127.0.0.1:5432/test",
      description = "PostgreSQL of spawned nodes (default: ${DEFAULT-VALUE}); a new schema per run")
  String postgresUrl = "jdbc:postgresql://127.0.0.1:5432/test";

  @CommandLine.Option(
      names = "--postgres-user",
      defaultValue = "postgres",
      description = "its user (default: ${DEFAULT-VALUE}); the password is read from PGPASSWORD")
  String postgresUser = "postgres";

  @CommandLine.Option(
      names = "--nats",
      defaultValue = "nats://127.0.0.1:4222",
      description = "NATS of spawned nodes (default: ${DEFAULT-VALUE}); new subjects per run")
  String nats = "nats://127.0.0.1:4222";

  private final @Nullable String password = System.getenv("PGPASSWORD");

  public String postgresUrl() {
    return postgresUrl;
  }

  /**
   * The environment of node {@code node} of a run: the store in {@code schema}; with {@code
   * natsPrefix} (not null) the NATS bus under that subject prefix and bucket, else the in-process
   * bus (a single node).
   */
  public Map<String, String> nodeEnvironment(String schema, @Nullable String natsPrefix, int node) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WARBLER_STORE_KIND", "postgres");
    env.put("WARBLER_STORE_POSTGRES_URL", postgresUrl);
    env.put("WARBLER_STORE_POSTGRES_USER", postgresUser);
    env.put("WARBLER_STORE_POSTGRES_SCHEMA", schema);
    if (password != null) {
      env.put("WARBLER_STORE_POSTGRES_PASSWORD", password);
    }
    if (natsPrefix != null) {
      env.put("WARBLER_BUS_KIND", "nats");
      env.put("WARBLER_BUS_NATS_SERVERS", nats);
      env.put("WARBLER_BUS_NATS_SUBJECT_PREFIX", natsPrefix);
      env.put("WARBLER_BUS_NATS_PRESENCE_BUCKET", natsPrefix);
      env.put("WARBLER_BUS_NODE_ID", "node-" + node);
    }
    return env;
  }

  /**
   * Drops a schema a run made, over JDBC (the PostgreSQL driver ships in the runnable jar); a
   * failure is reported, not thrown: the run's figures stand.
   */
  public void dropSchema(String schema) {
    if (!schema.matches("[a-z0-9_]+")) {
      throw new IllegalArgumentException("not a run's schema: " + schema);
    }
    try (Connection c =
            DriverManager.getConnection(
                postgresUrl, postgresUser, password == null ? "" : password);
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      System.err.println("could not drop schema " + schema + ": " + e.getMessage());
    }
  }
}
