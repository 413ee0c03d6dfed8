package dev.warbler.store.postgres;

import java.util.regex.Pattern;

/**
 * Settings of the PostgreSQL store ({@code store.postgres.*}).
 *
 * @param url the JDBC URL of the database, e.g. {@code jdbc:postgresql://127.0.0.1:5432/warbler}
 * @param user the database user
 * @param password the user's password (empty: none, e.g. trust or a password file); never logged
 * @param schema the schema holding Warbler's tables, created when absent
 * @param poolSize connections of the pool: the writer takes one per batch, readers share the rest
 * @param maxBatch writes per commit; bounds the latency one commit adds to a batch
 * @param writeQueue pending writes before new ones fail with UNAVAILABLE; bounds memory
 * @param connectTimeoutMillis how long a read or a batch waits for a connection (PostgreSQL down or
 *     the pool exhausted) before it fails with UNAVAILABLE; also bounds the first connect at open
 */
public record PostgresConfig(
    String url,
    String user,
    String password,
    String schema,
    int poolSize,
    int maxBatch,
    int writeQueue,
    long connectTimeoutMillis) {

  /** Unquoted PostgreSQL identifiers Warbler accepts as a schema name. */
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/warbler";
  public static final String DEFAULT_SCHEMA = "warbler";

  public PostgresConfig {
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "store.postgres.url must be a jdbc:postgresql: URL but was '" + url + "'");
    }
    if (!SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "store.postgres.schema must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63"
              + " characters) but was '"
              + schema
              + "'");
    }
    if (poolSize < 2) {
      throw new IllegalArgumentException(
          "store.postgres.pool-size must be at least 2 (the writer and a reader) but was "
              + poolSize);
    }
    if (maxBatch <= 0) {
      throw new IllegalArgumentException("max batch must be positive but was " + maxBatch);
    }
    if (writeQueue <= 0) {
      throw new IllegalArgumentException("write queue must be positive but was " + writeQueue);
    }
    if (connectTimeoutMillis < 250) {
      throw new IllegalArgumentException(
          "store.postgres.connect-timeout-ms must be at least 250 but was " + connectTimeoutMillis);
    }
  }

  /** The defaults of the server's settings, over {@code url}, {@code user} and {@code schema}. */
  public static PostgresConfig defaults(String url, String user, String password, String schema) {
    return new PostgresConfig(url, user, password, schema, 8, 1_000, 100_000, 2_000);
  }

  /** Everything but the password. */
  @Override
  public String toString() {
    return "PostgresConfig[url="
        + url
        + ", user="
        + user
        + ", password="
        + (password.isEmpty() ? "(none)" : "(set)")
        + ", schema="
        + schema
        + ", poolSize="
        + poolSize
        + ", maxBatch="
        + maxBatch
        + ", writeQueue="
        + writeQueue
        + ", connectTimeoutMillis="
        + connectTimeoutMillis
        + "]";
  }
}
