package dev.warbler.core.access;

/**
 * Token-bucket rates of {@link RateLimiter}, each a named configuration value (see {@code warbler
 * config defaults}). A rate of 0 turns that bucket off.
 *
 * @param user requests of one user of one app over all its connections on this node: sends, edits,
 *     reactions, recalls, forwards, reads (sync, pull, history), group, contact and chatroom
 *     commands. Bounds what one account can make the store and the fan-out do
 * @param signal the cheap notifications of one user: {@code typing}, {@code delivered} and {@code
 *     mark_read}; a separate bucket so that a burst of read receipts after a catch-up cannot use up
 *     the user's sends (typing is also throttled per conversation)
 * @param app requests (the {@code user} kind) of all users of one app together on this node; a
 *     tenant's share of the node
 * @param rest REST calls made with one app's API secret (the root admin key is not limited)
 * @param refusalsBeforePause consecutive refusals on one connection after which the gateway stops
 *     reading that socket until the bucket has a token again; turns a flood into TCP backpressure
 *     on the flooder instead of work for the event loop it shares with others. 0 never pauses
 * @param maxPauseMillis longest such pause: a connection that floods again right after a pause
 *     ended is paused twice as long as before, up to this; so a sustained flood costs the server
 *     about one read per this interval
 */
public record RateLimits(
    Rate user, Rate signal, Rate app, Rate rest, int refusalsBeforePause, long maxPauseMillis) {

  /** The default of {@code limits.rate.max-pause-ms}. */
  public static final long DEFAULT_MAX_PAUSE_MILLIS = 2_000;

  /** The documented defaults, as in {@code Setting}. */
  public static final RateLimits DEFAULTS =
      new RateLimits(
          new Rate(50, 200),
          new Rate(100, 500),
          new Rate(50_000, 50_000),
          new Rate(1_000, 2_000),
          8,
          DEFAULT_MAX_PAUSE_MILLIS);

  /** Every bucket off. */
  public static final RateLimits UNLIMITED =
      new RateLimits(
          Rate.UNLIMITED,
          Rate.UNLIMITED,
          Rate.UNLIMITED,
          Rate.UNLIMITED,
          0,
          DEFAULT_MAX_PAUSE_MILLIS);

  public RateLimits {
    if (refusalsBeforePause < 0) {
      throw new IllegalArgumentException(
          "refusals before pause must not be negative but was " + refusalsBeforePause);
    }
    if (maxPauseMillis < 1) {
      throw new IllegalArgumentException(
          "the longest pause must be at least 1 ms but was " + maxPauseMillis);
    }
  }

  /**
   * A token bucket: {@code perSecond} tokens refill continuously (greedily) up to {@code burst}; a
   * new bucket starts full.
   *
   * @param perSecond sustained rate; 0 means unlimited
   * @param burst bucket capacity: requests allowed at once after a quiet period
   */
  public record Rate(long perSecond, long burst) {
    public static final Rate UNLIMITED = new Rate(0, 0);

    public Rate {
      if (perSecond < 0) {
        throw new IllegalArgumentException("rate must not be negative but was " + perSecond);
      }
      if (perSecond > 0 && burst < 1) {
        throw new IllegalArgumentException(
            "burst must be at least 1 for a rate of " + perSecond + "/s but was " + burst);
      }
    }

    public boolean unlimited() {
      return perSecond == 0;
    }

    /** Nanoseconds an empty bucket takes to fill up again; 0 when unlimited. */
    long refillNanos() {
      return unlimited() ? 0 : (long) Math.ceil(burst * 1e9 / perSecond);
    }
  }
}
