package dev.warbler.bus.nats;

import java.time.Duration;
import java.util.List;

/**
 * How a node reaches NATS. Every limit is named here with its reason.
 *
 * @param servers NATS server URLs, e.g. {@code nats://127.0.0.1:4222}; the client picks one and
 *     fails over to the others
 * @param connectionName how this node's connection shows in the server's monitoring
 * @param subjectPrefix the first token(s) of every subject, so several clusters (or test runs) can
 *     share one NATS without hearing each other
 * @param presenceBucket the JetStream key-value bucket of the presence registry
 * @param connectTimeout how long the first connect may take before the node fails to start
 * @param maxReconnects reconnect attempts after a lost connection before the client gives up (-1:
 *     forever; the bus is at most once, so a node that cannot reach NATS only misses events)
 * @param reconnectWait pause between reconnect attempts to one server
 * @param drainTimeout how long {@code close()} waits for pending publishes to reach the server
 * @param presenceMaxAttempts how often a presence change retries after losing a race with another
 *     node on the same user before failing (each loss means another node's change went in)
 * @param jetStreamDomain the JetStream domain holding the presence buckets, empty for the connected
 *     server's own; a node on a leaf node without JetStream (another region) names the hub's
 *     domain, since a leaf denies plain JetStream requests across
 * @param nodeTimeout how long a node may go without a heartbeat before the others take it for dead
 *     and drop its users from the presence registry; it beats every third of this
 */
public record NatsConfig(
    List<String> servers,
    String connectionName,
    String subjectPrefix,
    String presenceBucket,
    Duration connectTimeout,
    int maxReconnects,
    Duration reconnectWait,
    Duration drainTimeout,
    int presenceMaxAttempts,
    String jetStreamDomain,
    Duration nodeTimeout) {

  /** The NATS of a development machine and of CI. */
  public static final String DEFAULT_URL = "nats://127.0.0.1:4222";

  public NatsConfig {
    servers = List.copyOf(servers);
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("nats servers must name at least one URL");
    }
    for (String s : servers) {
      if (s.isBlank()) {
        throw new IllegalArgumentException("nats server URL must not be blank");
      }
    }
    Subjects.requirePrefix(subjectPrefix);
    if (!presenceBucket.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException(
          "nats presence bucket must match [A-Za-z0-9_-]+ but was '" + presenceBucket + "'");
    }
    positive("connect timeout", connectTimeout);
    positive("reconnect wait", reconnectWait);
    positive("drain timeout", drainTimeout);
    if (!jetStreamDomain.isEmpty() && !jetStreamDomain.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException(
          "nats jetstream domain must match [A-Za-z0-9_-]+ but was '" + jetStreamDomain + "'");
    }
    if (nodeTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "nats node timeout must be at least 1 second but was " + nodeTimeout);
    }
    if (maxReconnects < -1) {
      throw new IllegalArgumentException(
          "nats max reconnects must be -1 (forever) or more but was " + maxReconnects);
    }
    if (presenceMaxAttempts < 1) {
      throw new IllegalArgumentException(
          "nats presence max attempts must be positive but was " + presenceMaxAttempts);
    }
  }

  /**
   * The defaults: the local NATS, subjects under {@code warbler}, bucket {@code warbler-presence},
   * 5 s to connect, reconnecting forever every 2 s, 5 s to drain on close, 100 attempts per
   * presence change (four nodes racing on one user need a handful), a node dead after 10 s without
   * a heartbeat.
   */
  public static NatsConfig defaults() {
    return new NatsConfig(
        List.of(DEFAULT_URL),
        "warbler",
        "warbler",
        "warbler-presence",
        Duration.ofSeconds(5),
        -1,
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        100,
        "",
        Duration.ofSeconds(10));
  }

  public NatsConfig withServers(List<String> newServers) {
    return edit(b -> b.servers = newServers);
  }

  public NatsConfig withConnectionName(String name) {
    return edit(b -> b.connectionName = name);
  }

  public NatsConfig withSubjectPrefix(String prefix) {
    return edit(b -> b.subjectPrefix = prefix);
  }

  public NatsConfig withPresenceBucket(String bucket) {
    return edit(b -> b.presenceBucket = bucket);
  }

  public NatsConfig withNodeTimeout(Duration timeout) {
    return edit(b -> b.nodeTimeout = timeout);
  }

  public NatsConfig withJetStreamDomain(String domain) {
    return edit(b -> b.jetStreamDomain = domain);
  }

  /** This configuration with what {@code change} sets, checked again. */
  private NatsConfig edit(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new NatsConfig(
        f.servers,
        f.connectionName,
        f.subjectPrefix,
        f.presenceBucket,
        connectTimeout,
        maxReconnects,
        reconnectWait,
        drainTimeout,
        presenceMaxAttempts,
        f.jetStreamDomain,
        f.nodeTimeout);
  }

  /** The components that the {@code with} methods change. */
  private static final class Fields {
    List<String> servers;
    String connectionName;
    String subjectPrefix;
    String presenceBucket;
    String jetStreamDomain;
    Duration nodeTimeout;

    Fields(NatsConfig c) {
      servers = c.servers;
      connectionName = c.connectionName;
      subjectPrefix = c.subjectPrefix;
      presenceBucket = c.presenceBucket;
      jetStreamDomain = c.jetStreamDomain;
      nodeTimeout = c.nodeTimeout;
    }
  }

  private static void positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("nats " + name + " must be positive but was " + d);
    }
  }
}
