package dev.warbler.gateway;

import dev.warbler.core.RateLimiter;
import dev.warbler.core.RateLimits;

/**
 * Abuse limits of the gateway ({@code gateway.max-connections-*} and {@code limits.rate.*}).
 *
 * @param rates token buckets that every request after {@code auth} draws from (see {@link
 *     FrameHandler}); a refusal is answered with {@code error} RATE_LIMITED and a retry-after
 * @param maxConnectionsPerIp open TCP connections from one client address on this node, counted
 *     from the accept; beyond it the upgrade is refused with HTTP 429. 0: no limit
 * @param maxConnectionsPerUser authenticated connections of one user (of one app) on this node;
 *     beyond it the new connection is refused at auth with close 4107. 0: no limit
 * @param controlFrames WebSocket pings and pongs one connection may send, before and after auth
 *     ({@code limits.rate.control-per-second}, {@code limits.rate.control-burst}); each ping costs
 *     the server a pong and a read, so beyond it the connection is closed with 1008. {@link
 *     RateLimits.Rate#UNLIMITED}: no limit
 */
public record GatewayLimits(
    RateLimiter rates,
    int maxConnectionsPerIp,
    int maxConnectionsPerUser,
    RateLimits.Rate controlFrames) {

  /**
   * The default of {@code limits.rate.control-per-second} and {@code limits.rate.control-burst}.
   */
  public static final RateLimits.Rate DEFAULT_CONTROL_FRAMES = new RateLimits.Rate(5, 20);

  /** No limits: what a gateway built without them enforces. */
  public static GatewayLimits none() {
    return new GatewayLimits(RateLimiter.unlimited(), 0, 0, RateLimits.Rate.UNLIMITED);
  }

  /** These limits with the default control-frame rate. */
  public GatewayLimits(RateLimiter rates, int maxConnectionsPerIp, int maxConnectionsPerUser) {
    this(rates, maxConnectionsPerIp, maxConnectionsPerUser, DEFAULT_CONTROL_FRAMES);
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

  /** These limits with another control-frame rate. */
  public GatewayLimits withControlFrames(RateLimits.Rate controlFrames) {
    return new GatewayLimits(rates, maxConnectionsPerIp, maxConnectionsPerUser, controlFrames);
  }
}
