package dev.warbler.store.sqlite;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The sync change-position counter, kept in the database ({@code sync_position}, one row) rather
 * than in the process, so that every writer on the file takes positions in commit order (ADR 0020).
 *
 * <p>A batch reads the counter at its first position, hands out the following ones from memory and
 * writes the last one back just before its commit. The batch runs in a {@code BEGIN IMMEDIATE}
 * transaction, so it holds SQLite's write lock from before the read until after the commit: no
 * other writer, in this process or another, can read the counter or commit in between. Positions
 * therefore rise in commit order, and a reader that has seen a position committed never sees a
 * later commit with a position at or below it. A write rolled back to its savepoint leaves a gap
 * (harmless: sync compares, it never counts); a batch that does not commit writes nothing back, and
 * the next batch reads the counter again. Batches that take no position (audit, usage, access)
 * touch the row not at all.
 *
 * <p>Only used on the writer thread.
 */
final class SyncPositions implements SqliteWriter.BatchHook {
  private long last;
  private boolean taken;

  /** The next position; only call from a write running on {@code w}. */
  long next(SqliteWriter w) throws SQLException {
    if (!taken) {
      try (ResultSet rs =
          w.statement("SELECT value FROM sync_position WHERE id = 1").executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("the sync_position row is missing");
        }
        last = rs.getLong(1);
      }
      taken = true;
    }
    return ++last;
  }

  @Override
  public void beforeCommit(SqliteWriter w) throws SQLException {
    if (taken) {
      PreparedStatement ps = w.statement("UPDATE sync_position SET value = ? WHERE id = 1");
      ps.setLong(1, last);
      ps.executeUpdate();
    }
  }

  @Override
  public void afterBatch() {
    taken = false;
  }
}
