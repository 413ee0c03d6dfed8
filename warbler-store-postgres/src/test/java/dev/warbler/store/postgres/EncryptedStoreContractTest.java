package dev.warbler.store.postgres;

import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.crypto.EncryptingStores;
import dev.warbler.core.crypto.MasterKeys;
import dev.warbler.testkit.AccessStoreContract;
import dev.warbler.testkit.GroupStoreContract;
import dev.warbler.testkit.LifecycleStoreContract;
import dev.warbler.testkit.SocialStoreContract;
import dev.warbler.testkit.StateStoreContract;
import dev.warbler.testkit.StoreContract;
import dev.warbler.testkit.SyncPositionContract;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every store contract over the PostgreSQL bundle behind the encryption-at-rest decorators (ADR
 * 0011), as the server runs it, with encryption on for the contracts' apps: seq, durability,
 * idempotency, order, sync, atomic changes and sealed app secrets hold the same with sealed bodies.
 */
@ExtendWith(TestDatabase.class)
class EncryptedStoreContractTest {
  private static final List<String> APPS = List.of("acme", "globex");

  /** A fixed master key: a reopened bundle must open what the closed one sealed. */
  private static final byte[] MASTER = new byte[MasterKeys.KEY_BYTES];

  static {
    for (int i = 0; i < MASTER.length; i++) {
      MASTER[i] = (byte) (i * 7 + 1);
    }
  }

  static EncryptingStores open(Path dir) {
    PostgresStores base = TestDatabase.open(dir);
    MasterKeys keys = MasterKeys.of(MASTER, List.of());
    AtRestEncryption crypto = new AtRestEncryption(base.dataKeys(), keys, InstantSource.system());
    crypto.rewrapAll();
    for (String app : APPS) {
      if (!crypto.status(app).enabled()) {
        crypto.setEnabled(app, true);
      }
    }
    return new EncryptingStores(base, crypto, keys);
  }

  @Nested
  class Messages extends StoreContract<EncryptingStores> {
    @Override
    protected EncryptingStores openStores(Path dir) {
      return open(dir);
    }
  }

  @Nested
  class Lifecycle extends LifecycleStoreContract<EncryptingStores> {
    @Override
    protected EncryptingStores openStores(Path dir) {
      return open(dir);
    }
  }

  @Nested
  class Groups extends GroupStoreContract<EncryptingStores> {
    @Override
    protected EncryptingStores openStores(Path dir) {
      return open(dir);
    }
  }

  @Nested
  class Social extends SocialStoreContract<EncryptingStores> {
    @Override
    protected EncryptingStores openStores(Path dir) {
      return open(dir);
    }
  }

  @Nested
  class State extends StateStoreContract<EncryptingStores> {
    @Override
    protected EncryptingStores openStores(Path dir) {
      return open(dir);
    }
  }

  @Nested
  class Access extends AccessStoreContract<EncryptingStores> {
    @Override
    protected EncryptingStores openStores(Path dir) {
      return open(dir);
    }
  }

  @Nested
  class SyncPositions extends SyncPositionContract<EncryptingStores> {
    @Override
    protected EncryptingStores openStores(Path dir) {
      return open(dir);
    }
  }
}
