package dev.warbler.store.sqlite;

import java.nio.file.Path;

/**
 * Settings of the embedded store.
 *
 * @param file the database file
 * @param durability see {@link Durability}
 * @param maxBatch writes per commit; bounds the latency one fsync adds to a batch
 * @param writeQueue pending writes before new ones fail with UNAVAILABLE; bounds memory
 * @param readConnections concurrent readers; WAL lets them run beside the writer
 */
public record SqliteConfig(
    Path file, Durability durability, int maxBatch, int writeQueue, int readConnections) {

  public SqliteConfig {
    if (maxBatch <= 0) {
      throw new IllegalArgumentException("max batch must be positive but was " + maxBatch);
    }
    if (writeQueue <= 0) {
      throw new IllegalArgumentException("write queue must be positive but was " + writeQueue);
    }
    if (readConnections <= 0) {
      throw new IllegalArgumentException(
          "read connections must be positive but was " + readConnections);
    }
  }

  public static SqliteConfig defaults(Path file) {
    return new SqliteConfig(file, Durability.FULL, 1_000, 100_000, 4);
  }
}
