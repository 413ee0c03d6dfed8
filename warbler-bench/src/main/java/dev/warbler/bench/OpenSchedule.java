package dev.warbler.bench;

/**
 * An open-model arrival schedule: send {@code i} is due at a fixed time, whatever happened to
 * earlier sends. A sender that falls behind sends late but latency is still measured from the
 * intended time, which corrects for coordinated omission.
 *
 * <p>A schedule may start with a warm-up phase at its own rate (the sends before {@link
 * #warmupSends()}), so that a server can be warmed up below the rate it is then measured at: a JVM
 * that compiles its hot paths while it is already saturated never catches up within a run.
 */
final class OpenSchedule {
  private final long startNanos;
  private final double warmupIntervalNanos;
  private final long warmupSends;
  private final double intervalNanos;

  OpenSchedule(long startNanos, double ratePerSecond) {
    this(startNanos, ratePerSecond, 0, ratePerSecond);
  }

  /**
   * {@code warmupSeconds} at {@code warmupRate}, then {@code rate} from the first send due after
   * them.
   */
  OpenSchedule(long startNanos, double warmupRate, double warmupSeconds, double rate) {
    if (rate <= 0 || warmupRate <= 0) {
      throw new IllegalArgumentException("rate must be positive: " + Math.min(rate, warmupRate));
    }
    this.startNanos = startNanos;
    this.warmupIntervalNanos = 1e9 / warmupRate;
    this.warmupSends = (long) Math.ceil(warmupSeconds * 1e9 / warmupIntervalNanos);
    this.intervalNanos = 1e9 / rate;
  }

  /** When send {@code i} (from 0) is due, in {@link System#nanoTime()} units. */
  long intendedNanos(long i) {
    if (i < warmupSends) {
      return startNanos + (long) (i * warmupIntervalNanos);
    }
    return startNanos
        + (long) (warmupSends * warmupIntervalNanos)
        + (long) ((i - warmupSends) * intervalNanos);
  }

  /** How many sends belong to the warm-up: send {@code i} is measured when {@code i >=} this. */
  long warmupSends() {
    return warmupSends;
  }

  /** How many sends the warm-up and then {@code seconds} at the measured rate hold in all. */
  long totalSends(double seconds) {
    return warmupSends + (long) Math.ceil(seconds * 1e9 / intervalNanos);
  }

  /** How many sends are due in the first {@code nanos} after the start (no warm-up phase). */
  long countWithin(long nanos) {
    return (long) Math.ceil(nanos / intervalNanos);
  }
}
