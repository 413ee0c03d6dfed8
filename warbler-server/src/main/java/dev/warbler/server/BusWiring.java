package dev.warbler.server;

import dev.warbler.bus.nats.NatsBus;
import dev.warbler.bus.nats.NatsConfig;
import dev.warbler.bus.nats.NatsPresenceRegistry;
import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.PresenceRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The bus of {@code bus.kind} (ADR 0019): {@code local}, the in-process {@link LocalCluster} (one
 * node, or the nodes of the multi-node tests sharing one), or {@code nats}, a {@link NatsBus} and a
 * {@link NatsPresenceRegistry} on the configured NATS servers. Called once per node, on the thread
 * that starts it.
 */
final class BusWiring {

  /** The node's bus and presence registry, and what to close when the node stops. */
  record Opened(Bus bus, PresenceRegistry registry, AutoCloseable closer) {}

  private BusWiring() {}

  /**
   * Opens the bus of node {@code node}; {@code shared}, when given, is the in-process cluster of
   * several nodes. A NATS bus carries trace context and publish times in message headers and
   * reports {@code warbler.bus.lag} and {@code warbler.bus.publish.failures} to {@code meters}.
   */
  static Opened open(
      Settings settings,
      @Nullable LocalCluster shared,
      String node,
      OpenTelemetry telemetry,
      MeterRegistry meters) {
    String kind = settings.string(Setting.BUS_KIND).strip().toLowerCase(Locale.ROOT);
    switch (kind) {
      case "local" -> {
        LocalCluster cluster = shared == null ? new LocalCluster() : shared;
        Bus bus = cluster.bus(node);
        return new Opened(bus, cluster.presence(), bus);
      }
      case "nats" -> {
        NatsConfig config =
            NatsConfig.defaults()
                .withServers(settings.list(Setting.BUS_NATS_SERVERS))
                .withSubjectPrefix(settings.string(Setting.BUS_NATS_SUBJECT_PREFIX))
                .withPresenceBucket(settings.string(Setting.BUS_NATS_PRESENCE_BUCKET))
                .withJetStreamDomain(settings.string(Setting.BUS_NATS_JETSTREAM_DOMAIN).strip())
                .withNodeTimeout(
                    Duration.ofSeconds(settings.integer(Setting.BUS_NATS_NODE_TIMEOUT_SECONDS)));
        NatsBus bus = NatsBus.connect(node, config, telemetry, meters);
        NatsPresenceRegistry registry;
        try {
          registry = NatsPresenceRegistry.connect(node, config);
        } catch (RuntimeException e) {
          bus.close();
          throw e;
        }
        return new Opened(
            bus,
            registry,
            () -> {
              bus.close();
              registry.close();
            });
      }
      default ->
          throw new IllegalArgumentException(
              Setting.BUS_KIND.key() + " must be local or nats but was '" + kind + "'");
    }
  }

  /** {@code bus.node-id}, or the host name with a random suffix (unique across restarts). */
  static String nodeId(Settings settings) {
    String configured = settings.string(Setting.BUS_NODE_ID).strip();
    if (!configured.isEmpty()) {
      return configured;
    }
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "node";
    }
    byte[] suffix = new byte[4];
    new SecureRandom().nextBytes(suffix);
    return host + "-" + HexFormat.of().formatHex(suffix);
  }
}
