package dev.warbler.api;

import dev.warbler.core.access.TrustedProxies;
import java.util.List;
import java.util.Locale;

/**
 * Settings of the REST listener.
 *
 * @param host address to bind
 * @param port TCP port; 0 picks a free one
 * @param maxBodyBytes largest accepted request body; bounds memory per request
 * @param publicWebSocketUrl what discovery tells clients; empty = derived from the request's host
 *     and {@code webSocketPort}
 * @param webSocketPort the gateway's port, for derived discovery URLs
 * @param webSocketPath the gateway's path
 * @param tokenMaxTtlSeconds the longest user token the API issues
 * @param trustedProxies peers whose {@code X-Forwarded-For}, {@code -Proto} and {@code -Host}
 *     headers are believed ({@code http.trusted-proxies}); everyone else's are ignored
 * @param allowedHosts host names discovery may derive the WebSocket URL from when {@code
 *     publicWebSocketUrl} is empty ({@code http.allowed-hosts}), besides loopback names and this
 *     machine's own addresses
 */
public record ApiConfig(
    String host,
    int port,
    long maxBodyBytes,
    String publicWebSocketUrl,
    int webSocketPort,
    String webSocketPath,
    long tokenMaxTtlSeconds,
    TrustedProxies trustedProxies,
    List<String> allowedHosts) {

  public ApiConfig {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("http port must be 0-65535 but was " + port);
    }
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("max body bytes must be positive but was " + maxBodyBytes);
    }
    if (tokenMaxTtlSeconds <= 0) {
      throw new IllegalArgumentException(
          "token max ttl must be positive but was " + tokenMaxTtlSeconds);
    }
    allowedHosts =
        allowedHosts.stream()
            .map(h -> h.strip().toLowerCase(Locale.ROOT))
            .filter(h -> !h.isEmpty())
            .toList();
    if (!publicWebSocketUrl.isEmpty()
        && !publicWebSocketUrl.startsWith("ws://")
        && !publicWebSocketUrl.startsWith("wss://")) {
      throw new IllegalArgumentException(
          "http.public-websocket-url must start with ws:// or wss:// but was '"
              + publicWebSocketUrl
              + "'");
    }
  }
}
