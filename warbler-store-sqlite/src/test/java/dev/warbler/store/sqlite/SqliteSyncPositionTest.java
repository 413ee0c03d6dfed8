package dev.warbler.store.sqlite;

import dev.warbler.testkit.SyncPositionContract;
import java.nio.file.Path;

/** Two SQLite bundles on one file, as two processes would open it: no sync change is skipped. */
class SqliteSyncPositionTest extends SyncPositionContract<SqliteStores> {
  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }
}
