package dev.warbler.store.postgres;

import dev.warbler.testkit.SocialStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestDatabase.class)
class PostgresSocialStoreTest extends SocialStoreContract<PostgresStores> {
  @Override
  protected PostgresStores openStores(Path dir) {
    return TestDatabase.open(dir);
  }
}
