package dev.warbler.store.sqlite;

import dev.warbler.testkit.ModerationStoreContract;
import java.nio.file.Path;

class SqliteModerationStoreTest extends ModerationStoreContract<SqliteStores> {
  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }
}
