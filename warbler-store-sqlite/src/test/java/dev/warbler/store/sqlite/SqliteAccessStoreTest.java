package dev.warbler.store.sqlite;

import dev.warbler.testkit.AccessStoreContract;
import java.nio.file.Path;

class SqliteAccessStoreTest extends AccessStoreContract {
  @Override
  protected Stores openStores(Path dir) {
    SqliteStore db = new SqliteStore(SqliteConfig.defaults(dir.resolve("warbler.db")));
    return new Stores(db, new SqliteAccessStore(db), db);
  }
}
