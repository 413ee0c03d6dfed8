package dev.warbler.store.sqlite;

import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.testkit.LifecycleStoreContract;
import dev.warbler.testkit.StoreContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;

/**
 * The message and lifecycle store contracts over the encryption-at-rest decorators (ADR 0011), with
 * encryption on for the contracts' apps: seq, durability, idempotency, order, sync and atomic
 * changes hold the same with sealed bodies.
 */
class EncryptedStoreContractTest {
  private static final List<String> APPS = List.of("acme", "globex");

  @Nested
  class Messages extends StoreContract<EncryptedSqliteStore> {
    @Override
    protected EncryptedSqliteStore openStore(Path dir) {
      return new EncryptedSqliteStore(dir, APPS);
    }
  }

  @Nested
  class Lifecycle extends LifecycleStoreContract<EncryptedSqliteStore> {
    @Override
    protected EncryptedSqliteStore openStore(Path dir) {
      return new EncryptedSqliteStore(dir, APPS);
    }

    @Override
    protected MessageLifecycleStore lifecycleOf(EncryptedSqliteStore store) {
      return store.lifecycle();
    }
  }
}
