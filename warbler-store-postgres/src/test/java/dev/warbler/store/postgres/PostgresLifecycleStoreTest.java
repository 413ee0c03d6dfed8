package dev.warbler.store.postgres;

import dev.warbler.testkit.LifecycleStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestDatabase.class)
class PostgresLifecycleStoreTest extends LifecycleStoreContract<PostgresStores> {
  @Override
  protected PostgresStores openStores(Path dir) {
    return TestDatabase.open(dir);
  }
}
