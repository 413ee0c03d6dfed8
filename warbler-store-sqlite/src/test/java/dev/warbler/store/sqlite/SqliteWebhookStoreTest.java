package dev.warbler.store.sqlite;

import dev.warbler.testkit.WebhookStoreContract;
import java.nio.file.Path;

class SqliteWebhookStoreTest extends WebhookStoreContract<SqliteStores> {
  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }
}
