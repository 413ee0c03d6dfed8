package dev.warbler.gateway;

import dev.warbler.core.RateLimiter;

/**
 * Abuse limits of the gateway ({@code gateway.max-connections-*} and {@code limits.rate.*}).
 *
 * @param rates token buckets that every request after {@code auth} draws from (see {@link
 *     FrameHandler}); a refusal is answered with {@code error} RATE_LIMITED and a retry-after
 * @param maxConnectionsPerIp open TCP connections from one client address on this node, counted
 *     from the accept; beyond it the upgrade is refused with HTTP 429. 0: no limit
 * @param maxConnectionsPerUser authenticated connections of one user (of one app) on this node;
 *     beyond it the new connection is refused at auth with close 4107. 0: no limit
 */
public record GatewayLimits(RateLimiter rates, int maxConnectionsPerIp, int maxConnectionsPerUser) {

  /** No limits: what a gateway built without them enforces. */
  public static GatewayLimits none() {
    return new GatewayLimits(RateLimiter.unlimited(), 0, 0);
  }

  public GatewayLimits {
    if (maxConnectionsPerIp < 0) {
      throw new IllegalArgumentException(
          "max connections per ip must not be negative but was " + maxConnectionsPerIp);
    }
    if (maxConnectionsPerUser < 0) {
      throw new IllegalArgumentException(
          "max connections per user must not be negative but was " + maxConnectionsPerUser);
    }
  }
}
