package dev.warbler.store.postgres;

import dev.warbler.testkit.WebhookStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestDatabase.class)
class PostgresWebhookStoreTest extends WebhookStoreContract<PostgresStores> {
  @Override
  protected PostgresStores openStores(Path dir) {
    return TestDatabase.open(dir);
  }
}
