package dev.warbler.api;

import dev.warbler.core.WarblerException;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What a load balancer, a scraper and a client ask of a node without a key: liveness, readiness
 * (503 while starting or draining), Prometheus metrics and discovery of the WebSocket.
 */
final class NodeRoutes {
  private final ApiSupport api;
  private final ApiConfig config;
  private final LocalHosts localHosts;
  private final Supplier<String> metrics;
  private final BooleanSupplier ready;

  /** Whether the API serves HTTPS (set before start), so that discovery announces wss://. */
  private final BooleanSupplier tls;

  NodeRoutes(
      ApiSupport api,
      ApiConfig config,
      Supplier<String> metrics,
      BooleanSupplier ready,
      BooleanSupplier tls) {
    this.api = api;
    this.config = config;
    this.localHosts = LocalHosts.of(config.allowedHosts());
    this.metrics = metrics;
    this.ready = ready;
    this.tls = tls;
  }

  List<Route> routes() {
    return List.of(
        new Route("GET", "/healthz", "getHealth", ctx -> ctx.result("ok")),
        new Route("GET", "/readyz", "getReadiness", this::readiness),
        new Route("GET", "/metrics", "getMetrics", this::metrics),
        new Route("GET", "/v1/discovery", "getDiscovery", this::discovery));
  }

  private void readiness(Context ctx) {
    if (ready.getAsBoolean()) {
      ctx.result("ready");
    } else {
      ctx.status(HttpStatus.SERVICE_UNAVAILABLE).result("not ready");
    }
  }

  private void metrics(Context ctx) {
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.get());
  }

  /**
   * Where the WebSocket is: {@code http.public-websocket-url} when set (what production should do).
   * Otherwise derived from the request, but only from a host this node knows to be itself
   * (loopback, its own addresses, {@code http.allowed-hosts}), so a forged {@code Host} cannot send
   * clients elsewhere; behind a proxy in {@code http.trusted-proxies}, its {@code
   * X-Forwarded-Proto} and {@code X-Forwarded-Host} say what the client used.
   */
  private void discovery(Context ctx) {
    String ws = config.publicWebSocketUrl();
    if (ws.isEmpty()) {
      boolean proxied = config.trustedProxies().trusts(ctx.ip());
      String forwardedHost = proxied ? firstHop(ctx.header("X-Forwarded-Host")) : null;
      String forwardedProto = proxied ? firstHop(ctx.header("X-Forwarded-Proto")) : null;
      String hostHeader = forwardedHost != null ? forwardedHost : ctx.header("Host");
      String host = LocalHosts.hostOnly(hostHeader == null ? "127.0.0.1" : hostHeader);
      if (!localHosts.allows(host)) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "discovery will not announce a WebSocket URL on host '"
                + ApiSupport.clip(host)
                + "': it is not this node's address; set http.public-websocket-url (or add the"
                + " host to http.allowed-hosts)");
      }
      boolean secure =
          forwardedProto != null ? forwardedProto.equalsIgnoreCase("https") : tls.getAsBoolean();
      ws =
          (secure ? "wss://" : "ws://")
              + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
              + ":"
              + config.webSocketPort()
              + config.webSocketPath();
    }
    api.send(
        ctx,
        200,
        new Dtos.Discovery(
            ws,
            Arrays.stream(Encoding.values()).map(Encoding::subprotocol).toList(),
            RestApi.VERSION));
  }

  /** The first value of a comma-separated forwarded header (the client-facing hop), or null. */
  private static @Nullable String firstHop(@Nullable String header) {
    if (header == null) {
      return null;
    }
    String first = header.split(",", 2)[0].strip();
    return first.isEmpty() ? null : first;
  }
}
