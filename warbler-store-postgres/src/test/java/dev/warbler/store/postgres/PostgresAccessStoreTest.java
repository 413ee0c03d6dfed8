package dev.warbler.store.postgres;

import dev.warbler.testkit.AccessStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestDatabase.class)
class PostgresAccessStoreTest extends AccessStoreContract<PostgresStores> {
  @Override
  protected PostgresStores openStores(Path dir) {
    return TestDatabase.open(dir);
  }
}
