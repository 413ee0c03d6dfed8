package dev.warbler.store.postgres;

import dev.warbler.testkit.SyncPositionContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two PostgreSQL bundles on one schema, as two nodes would open it: no sync change is skipped. */
@ExtendWith(TestDatabase.class)
class PostgresSyncPositionTest extends SyncPositionContract<PostgresStores> {
  @Override
  protected PostgresStores openStores(Path dir) {
    return TestDatabase.open(dir);
  }
}
