package dev.warbler.bus.nats;

import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.testkit.BusContract;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;

/**
 * The bus contract over the NATS of this machine (127.0.0.1:4222, or {@code NATS_URL}). Each test
 * is a fresh cluster: its own subject prefix and presence bucket, deleted afterwards. Without a
 * reachable NATS the tests fail: they are never skipped.
 */
class NatsBusContractTest extends BusContract {
  private final String run = UUID.randomUUID().toString().replace("-", "");
  private final NatsConfig config = NatsTestSupport.config(run);
  private @Nullable NatsPresenceRegistry registry;

  @Override
  protected Bus newNode(String node) {
    return NatsBus.connect(node, config);
  }

  @Override
  protected PresenceRegistry registry() {
    if (registry == null) {
      registry = NatsPresenceRegistry.connect("contract", config);
    }
    return registry;
  }

  @AfterEach
  void deleteBucket() {
    if (registry != null) {
      registry.deleteBucket();
      registry.close();
    }
  }
}
