package dev.warbler.core.metering;

import dev.warbler.core.spi.UsageStore;
import java.time.YearMonth;
import java.util.List;

/**
 * An app's usage in one month (UTC).
 *
 * @param users users the app has now
 * @param dailyActiveUsers users active today (UTC), whatever the month asked for
 * @param monthlyActiveUsers distinct users active on any day of the month
 * @param messagesSent messages sent in the month: stored messages and chatroom messages, not CHANGE
 *     entries (recall, edit, reaction) nor delete-for-me notices
 * @param peakConnections the highest number of connections open at once on any day of the month
 * @param storedBytes text plus payload bytes of every message the app ever stored
 * @param days every day of the month up to today (all of a past month, none of a future one)
 */
public record UsageReport(
    String app,
    YearMonth month,
    long users,
    long dailyActiveUsers,
    long monthlyActiveUsers,
    long messagesSent,
    long peakConnections,
    long storedBytes,
    List<UsageStore.Day> days) {
  public UsageReport {
    days = List.copyOf(days);
  }
}
