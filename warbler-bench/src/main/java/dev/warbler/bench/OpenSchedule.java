package dev.warbler.bench;

/**
 * An open-model arrival schedule: send {@code i} is due at {@code start + i * interval}, whatever
 * happened to earlier sends. A sender that falls behind sends late but latency is still measured
 * from the intended time, which corrects for coordinated omission.
 */
final class OpenSchedule {
  private final long startNanos;
  private final double intervalNanos;

  OpenSchedule(long startNanos, double ratePerSecond) {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
    }
    this.startNanos = startNanos;
    this.intervalNanos = 1e9 / ratePerSecond;
  }

  /** When send {@code i} (from 0) is due, in {@link System#nanoTime()} units. */
  long intendedNanos(long i) {
    return startNanos + (long) (i * intervalNanos);
  }

  /** How many sends are due in the first {@code nanos} after the start. */
  long countWithin(long nanos) {
    return (long) Math.ceil(nanos / intervalNanos);
  }
}
