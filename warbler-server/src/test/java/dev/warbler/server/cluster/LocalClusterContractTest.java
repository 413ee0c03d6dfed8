package dev.warbler.server.cluster;

import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.testkit.BusContract;

/** The in-process bus and registry keep the bus contract. */
class LocalClusterContractTest extends BusContract {
  private final LocalCluster cluster = new LocalCluster();

  @Override
  protected Bus newNode(String node) {
    return cluster.bus(node);
  }

  @Override
  protected PresenceRegistry registry() {
    return cluster.presence();
  }
}
