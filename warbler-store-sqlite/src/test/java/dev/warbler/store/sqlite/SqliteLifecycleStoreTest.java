package dev.warbler.store.sqlite;

import dev.warbler.testkit.LifecycleStoreContract;
import java.nio.file.Path;

class SqliteLifecycleStoreTest extends LifecycleStoreContract<SqliteStores> {
  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }
}
