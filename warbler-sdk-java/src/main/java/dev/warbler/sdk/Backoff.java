package dev.warbler.sdk;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the delay before retry number {@code attempt} (0-based) is
 * uniform in {@code [0, min(max, initial * 2^attempt)]}. Full jitter spreads the reconnects of many
 * clients dropped at once (a server restart) instead of having them arrive in waves.
 *
 * @param initial the ceiling of the first delay; positive
 * @param max the largest ceiling; at least {@code initial}
 */
public record Backoff(Duration initial, Duration max) {
  /** 250 ms first ceiling, 30 s largest. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

  public Backoff {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive but was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "max backoff must be at least the initial backoff (" + initial + ") but was " + max);
    }
  }

  /** The ceiling for retry {@code attempt}: {@code min(max, initial * 2^attempt)}. */
  public Duration ceiling(int attempt) {
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must be >= 0 but was " + attempt);
    }
    long initialNanos = initial.toNanos();
    long maxNanos = max.toNanos();
    // Past 62 doublings every positive long overflows; the ceiling is max long before that.
    int shift = Math.min(attempt, 62);
    long ceiling =
        initialNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, initialNanos << shift);
    return Duration.ofNanos(ceiling);
  }

  /** A random delay in {@code [0, ceiling(attempt)]}. */
  public Duration delay(int attempt, RandomGenerator random) {
    long ceiling = ceiling(attempt).toNanos();
    return Duration.ofNanos(random.nextLong(ceiling + 1));
  }
}
