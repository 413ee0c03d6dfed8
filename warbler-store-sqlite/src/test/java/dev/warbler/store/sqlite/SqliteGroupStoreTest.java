package dev.warbler.store.sqlite;

import dev.warbler.testkit.GroupStoreContract;
import java.nio.file.Path;

class SqliteGroupStoreTest extends GroupStoreContract<SqliteStores> {
  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }
}
