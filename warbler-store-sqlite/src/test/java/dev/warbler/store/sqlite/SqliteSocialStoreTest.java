package dev.warbler.store.sqlite;

import dev.warbler.testkit.SocialStoreContract;
import java.nio.file.Path;

class SqliteSocialStoreTest extends SocialStoreContract {
  @Override
  protected Stores openStores(Path dir) {
    SqliteStore db = new SqliteStore(SqliteConfig.defaults(dir.resolve("warbler.db")));
    return new Stores(
        db,
        db,
        new SqliteContactStore(db),
        new SqliteChatroomStore(db),
        new SqliteConversationSettingsStore(db),
        db);
  }
}
