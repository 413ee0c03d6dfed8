package dev.warbler.store.sqlite;

import dev.warbler.testkit.AccessStoreContract;
import java.nio.file.Path;

class SqliteAccessStoreTest extends AccessStoreContract<SqliteStores> {
  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }
}
