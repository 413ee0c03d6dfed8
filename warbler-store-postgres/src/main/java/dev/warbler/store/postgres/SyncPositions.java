package dev.warbler.store.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The sync change-position counter in the database ({@code sync_position}, one row), shared by
 * every node on it (ADR 0020, ADR 0021).
 *
 * <p>A batch locks the row ({@code SELECT ... FOR UPDATE}) when it takes its first position, hands
 * out the following ones from memory and writes the last one back just before its commit; the row
 * lock lasts until the commit. A batch on another node that wants a position waits for that commit
 * and then reads the counter it wrote, so positions rise in commit order across nodes: a reader
 * that has seen a position committed never sees a later commit with a position at or below it.
 * Batches that take no position (audit, usage, access, directory) never touch the row.
 *
 * <p>A statement may do all of that itself ({@link #takenInStatement}): the bulk append locks the
 * row, numbers its messages and writes the counter back in its one round trip, so that a batch of
 * appends costs the append and the commit, not two round trips more for the counter.
 *
 * <p>A write rolled back to its savepoint releases the row lock if it took it, so the writer tells
 * this counter ({@link #beginWrite}, {@link #writeRolledBack}) and the next write locks and reads
 * the row again. Only used on the writer thread.
 */
final class SyncPositions implements PostgresWriter.BatchHook {
  private long last;
  private long written;
  private boolean taken;
  private boolean takenByThisWrite;

  /** Whether this batch holds the row: positions then come from {@link #next}. */
  boolean taken() {
    return taken;
  }

  /**
   * A statement of the current write locked the row, took positions up to {@code last} and wrote
   * {@code last} to it.
   */
  void takenInStatement(long last) {
    this.last = last;
    this.written = last;
    taken = true;
    takenByThisWrite = true;
  }

  /** The next position; only call from a write running on {@code w}. */
  long next(PostgresWriter w) throws SQLException {
    if (!taken) {
      try (ResultSet rs =
          w.statement("SELECT value FROM sync_position WHERE id = 1 FOR UPDATE").executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("the sync_position row is missing");
        }
        last = rs.getLong(1);
        written = last;
      }
      taken = true;
      takenByThisWrite = true;
    }
    return ++last;
  }

  @Override
  public void beginWrite() {
    takenByThisWrite = false;
  }

  @Override
  public void writeRolledBack() {
    if (takenByThisWrite) {
      taken = false;
      takenByThisWrite = false;
    }
  }

  @Override
  public void beforeCommit(PostgresWriter w) throws SQLException {
    if (taken && last != written) {
      PreparedStatement ps = w.statement("UPDATE sync_position SET value = ? WHERE id = 1");
      ps.setLong(1, last);
      ps.executeUpdate();
    }
  }

  @Override
  public void afterBatch() {
    taken = false;
    takenByThisWrite = false;
  }
}
