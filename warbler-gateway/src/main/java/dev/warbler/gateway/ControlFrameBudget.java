package dev.warbler.gateway;

import dev.warbler.core.access.RateLimits;

/**
 * One connection's budget of WebSocket control frames (pings and pongs): a token bucket of {@code
 * rate.burst()} tokens refilled at {@code rate.perSecond()}, starting full. Per connection rather
 * than per user because it applies before auth too, when there is no user yet. Confined to the
 * connection's event loop; allocation-free.
 */
final class ControlFrameBudget {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long perSecond;
  private final long burst;

  /** Tokens, in units of 1/perSecond of a second expressed in nanoseconds (exact arithmetic). */
  private long nanosOfTokens;

  private long lastNanos;
  private boolean started;

  ControlFrameBudget(RateLimits.Rate rate) {
    this.perSecond = rate.perSecond();
    this.burst = rate.burst();
  }

  /** Whether the budget has no limit. */
  boolean unlimited() {
    return perSecond == 0;
  }

  /** Takes one control frame's token at {@code nowNanos} (monotonic); false when none is left. */
  boolean tryTake(long nowNanos) {
    if (perSecond == 0) {
      return true;
    }
    // One token is NANOS_PER_SECOND "token-nanos"; refill adds perSecond of them per nanosecond.
    long capacity = burst * NANOS_PER_SECOND;
    if (!started) {
      started = true;
      nanosOfTokens = capacity;
    } else {
      long elapsed = Math.max(0, nowNanos - lastNanos);
      long refill = elapsed > capacity / perSecond ? capacity : elapsed * perSecond;
      nanosOfTokens = Math.min(capacity, nanosOfTokens + refill);
    }
    lastNanos = nowNanos;
    if (nanosOfTokens < NANOS_PER_SECOND) {
      return false;
    }
    nanosOfTokens -= NANOS_PER_SECOND;
    return true;
  }
}
