package dev.warbler.store.sqlite;

import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.testkit.LifecycleStoreContract;
import java.nio.file.Path;

class SqliteLifecycleStoreTest extends LifecycleStoreContract<SqliteStore> {
  @Override
  protected SqliteStore openStore(Path dir) {
    return new SqliteStore(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }

  @Override
  protected MessageLifecycleStore lifecycleOf(SqliteStore store) {
    return new SqliteLifecycleStore(store);
  }
}
