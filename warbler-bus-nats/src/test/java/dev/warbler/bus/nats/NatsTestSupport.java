package dev.warbler.bus.nats;

import java.util.List;

/** Where the tests find NATS: {@code NATS_URL}, else the local one the build expects. */
final class NatsTestSupport {
  private NatsTestSupport() {}

  /** A configuration whose subjects and bucket no other test run uses. */
  static NatsConfig config(String run) {
    String url = System.getenv().getOrDefault("NATS_URL", NatsConfig.DEFAULT_URL);
    return NatsConfig.defaults()
        .withServers(List.of(url))
        .withConnectionName("warbler-test")
        .withSubjectPrefix("warbler-test." + run)
        .withPresenceBucket("warbler-test-" + run);
  }
}
