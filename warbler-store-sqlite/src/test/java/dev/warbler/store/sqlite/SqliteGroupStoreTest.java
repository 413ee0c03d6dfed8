package dev.warbler.store.sqlite;

import dev.warbler.testkit.GroupStoreContract;
import java.nio.file.Path;

class SqliteGroupStoreTest extends GroupStoreContract {
  @Override
  protected Stores openStores(Path dir) {
    SqliteStore store = new SqliteStore(SqliteConfig.defaults(dir.resolve("warbler.db")));
    return new Stores(store, store, new SqliteGroupStore(store), store);
  }
}
