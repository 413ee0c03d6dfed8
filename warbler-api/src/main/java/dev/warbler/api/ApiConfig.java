package dev.warbler.api;

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
 */
public record ApiConfig(
    String host,
    int port,
    long maxBodyBytes,
    String publicWebSocketUrl,
    int webSocketPort,
    String webSocketPath,
    long tokenMaxTtlSeconds) {

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
  }
}
