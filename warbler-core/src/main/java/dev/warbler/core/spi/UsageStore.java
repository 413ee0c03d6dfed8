package dev.warbler.core.spi;

import dev.warbler.core.metering.Metering;
import java.time.LocalDate;
import java.util.List;

/**
 * Per-app, per-day usage counters (UTC days): messages and their bytes, active users, peak
 * connections. Thread-safe; methods block on I/O.
 *
 * <p>{@link #record} applies a whole batch in one transaction and is durable when it returns.
 * Message counts and bytes are added (so a batch must be recorded once); active users and peaks are
 * idempotent (a user counts once per day, a peak only rises).
 */
public interface UsageStore {

  void record(Batch batch);

  /** Days of {@code from}..{@code to} (inclusive) that have any usage, oldest first. */
  List<Day> days(String app, LocalDate from, LocalDate to);

  /** Distinct users active on any day of {@code from}..{@code to} (inclusive). */
  long activeUsers(String app, LocalDate from, LocalDate to);

  /** Text plus payload bytes (UTF-8) of every message the app has stored. */
  long storedBytes(String app);

  /** Users the app has now. */
  long users(String app);

  /**
   * Messages sent by {@code app} on {@code day} (see {@link Metering}), and the text plus payload
   * bytes of those stored.
   */
  record MessageCount(String app, LocalDate day, long messages, long bytes) {}

  /** {@code user} of {@code app} was active (authenticated or sent) on {@code day}. */
  record ActiveUser(String app, LocalDate day, String user) {}

  /** {@code app} had {@code connections} open at once on {@code day}. */
  record Peak(String app, LocalDate day, long connections) {}

  record Batch(List<MessageCount> messages, List<ActiveUser> active, List<Peak> peaks) {
    public Batch {
      messages = List.copyOf(messages);
      active = List.copyOf(active);
      peaks = List.copyOf(peaks);
    }

    public boolean isEmpty() {
      return messages.isEmpty() && active.isEmpty() && peaks.isEmpty();
    }
  }

  /** One day's figures. */
  record Day(LocalDate day, long activeUsers, long messages, long peakConnections) {}
}
