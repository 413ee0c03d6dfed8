package dev.warbler.store.sqlite;

import dev.warbler.testkit.SocialStoreContract;
import java.nio.file.Path;

class SqliteSocialStoreTest extends SocialStoreContract<SqliteStores> {
  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }
}
