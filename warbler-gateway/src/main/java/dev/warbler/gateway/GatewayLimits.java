package dev.warbler.gateway;

import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.RateLimits;

/**
 * Abuse limits of the gateway ({@code gateway.max-connections-*} and {@code limits.rate.*}).
 *
 * @param rates token buckets that every request after {@code auth} draws from (see {@link
 *     RateGate}); a refusal is answered with {@code error} RATE_LIMITED and a retry-after
 * @param maxConnectionsPerIp open TCP connections from one client address on this node, counted
 *     from the accept; beyond it the upgrade is refused with HTTP 429. 0: no limit
 * @param maxConnectionsPerUser authenticated connections of one user (of one app) on this node;
 *     beyond it the new connection is refused at auth with close 4107. 0: no limit
 * @param controlFrames WebSocket pings and pongs one connection may send, before and after auth
 *     ({@code limits.rate.control-per-second}, {@code limits.rate.control-burst}); each ping costs
 *     the server a pong and a read, so beyond it the connection is closed with 1008. {@link
 *     RateLimits.Rate#UNLIMITED}: no limit
 * @param authFailures failed authentications per client address ({@code limits.auth-failures.*},
 *     shared with the REST API): a token whose signature does not verify counts; while the address
 *     is throttled an {@code auth} is refused unread with RATE_LIMITED and close 1013
 */
public record GatewayLimits(
    RateLimiter rates,
    int maxConnectionsPerIp,
    int maxConnectionsPerUser,
    RateLimits.Rate controlFrames,
    AuthThrottle authFailures) {

  /**
   * The default of {@code limits.rate.control-per-second} and {@code limits.rate.control-burst}.
   */
  public static final RateLimits.Rate DEFAULT_CONTROL_FRAMES = new RateLimits.Rate(5, 20);

  /** No limits: what a gateway built without them enforces. */
  public static GatewayLimits none() {
    return new GatewayLimits(
        RateLimiter.unlimited(), 0, 0, RateLimits.Rate.UNLIMITED, AuthThrottle.off());
  }

  /** These limits with the default control-frame rate and no authentication throttle. */
  public GatewayLimits(RateLimiter rates, int maxConnectionsPerIp, int maxConnectionsPerUser) {
    this(rates, maxConnectionsPerIp, maxConnectionsPerUser, DEFAULT_CONTROL_FRAMES);
  }

  /** These limits without an authentication throttle. */
  public GatewayLimits(
      RateLimiter rates,
      int maxConnectionsPerIp,
      int maxConnectionsPerUser,
      RateLimits.Rate controlFrames) {
    this(rates, maxConnectionsPerIp, maxConnectionsPerUser, controlFrames, AuthThrottle.off());
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
    return new GatewayLimits(
        rates, maxConnectionsPerIp, maxConnectionsPerUser, controlFrames, authFailures);
  }

  /** These limits with another authentication throttle. */
  public GatewayLimits withAuthFailures(AuthThrottle authFailures) {
    return new GatewayLimits(
        rates, maxConnectionsPerIp, maxConnectionsPerUser, controlFrames, authFailures);
  }
}
