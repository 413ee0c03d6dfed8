package dev.warbler.server.cluster;

import dev.warbler.bus.nats.NatsConfig;
import dev.warbler.bus.nats.NatsPresenceRegistry;
import dev.warbler.server.Setting;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/**
 * The same multi-node suite with every node on its own connections to the NATS of this machine
 * ({@code bus.kind=nats}, 127.0.0.1:4222 or {@code NATS_URL}; {@code .ci/run} starts one when none
 * runs): the events cross a real broker, asynchronously, and the presence registry is a JetStream
 * key-value bucket. Subjects and bucket are this run's own.
 */
class NatsMultiNodeTest extends MultiNodeTest {
  private final String run = "mn" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  private static String natsUrl() {
    String url = System.getenv("NATS_URL");
    return url == null || url.isBlank() ? NatsConfig.DEFAULT_URL : url;
  }

  @Override
  protected Map<Setting, String> busSettings() {
    return Map.of(
        Setting.BUS_KIND,
        "nats",
        Setting.BUS_NATS_SERVERS,
        natsUrl(),
        Setting.BUS_NATS_SUBJECT_PREFIX,
        run,
        Setting.BUS_NATS_PRESENCE_BUCKET,
        run);
  }

  @AfterAll
  void deleteTheBucket() {
    try (NatsPresenceRegistry registry =
        NatsPresenceRegistry.connect(
            "cleanup",
            NatsConfig.defaults().withServers(List.of(natsUrl())).withPresenceBucket(run))) {
      registry.deleteBucket();
    }
  }
}
