package dev.warbler.server;

import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.state.Presence;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The node's Prometheus metrics (served at {@code /metrics}): the JVM's, and the node-wide ones
 * that no single module owns. The gateway, TLS and the audit log register their own. Called once,
 * on the thread that starts the node.
 */
final class MetricsWiring {
  private MetricsWiring() {}

  /**
   * A node's registry: every meter tagged {@code node} with the node's id (so that a dashboard sums
   * or splits the cluster without relying on scrape labels), with the JVM's memory, GC, thread and
   * processor metrics.
   */
  static PrometheusMeterRegistry registry(String node) {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    meters.config().commonTags("node", node);
    jvm(meters);
    return meters;
  }

  /** A registry with the JVM's memory, GC, thread and processor metrics, untagged. */
  static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    jvm(meters);
    return meters;
  }

  private static void jvm(PrometheusMeterRegistry meters) {
    new JvmMemoryMetrics().bindTo(meters);
    new JvmGcMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
  }

  /** Stored messages, pushes, sessions and presence watches. */
  static void node(
      MeterRegistry meters, Publisher publisher, Sessions sessions, Presence presence) {
    // Counted where stored: the nodes that deliver a message do not count it again.
    Counter stored = meters.counter("warbler.messages.stored");
    publisher.onOrigin(d -> {
      if (d.message().extras().deletedForMe()) {
        return; // a delete-for-me notice to one user's devices, not a stored message
      }
      stored.increment();
    });
    // Pushes to connections: a group delivery names no recipients (see Delivery).
    FunctionCounter.builder("warbler.messages.fanout", sessions, Sessions::pushes)
        .description("Messages pushed to connections on this node")
        .register(meters);
    Gauge.builder("warbler.sessions", sessions, Sessions::count).register(meters);
    Gauge.builder("warbler.presence.watched.users", presence, Presence::watchedUsers)
        .description("Users watched by at least one presence subscription on this node")
        .register(meters);
  }

  /** Failed and throttled authentications per surface, and refusals per rate bucket. */
  static void limits(MeterRegistry meters, AuthThrottle authThrottle, RateLimiter rates) {
    for (AuthThrottle.Surface surface : AuthThrottle.Surface.values()) {
      FunctionCounter.builder("warbler.auth.failures", authThrottle, t -> t.failures(surface))
          .description("Failed authentications that count as guesses (bad key, bad signature)")
          .tag("surface", surface.tag())
          .register(meters);
      FunctionCounter.builder("warbler.auth.throttled", authThrottle, t -> t.refused(surface))
          .description("Authentications refused unread: their address failed too often")
          .tag("surface", surface.tag())
          .register(meters);
    }
    for (RateLimiter.Scope scope : RateLimiter.Scope.values()) {
      FunctionCounter.builder("warbler.rate.limited", rates, r -> r.refused(scope))
          .description("Requests refused by a rate limit, by the bucket that refused")
          .tag("scope", scope.tag())
          .register(meters);
    }
  }
}
