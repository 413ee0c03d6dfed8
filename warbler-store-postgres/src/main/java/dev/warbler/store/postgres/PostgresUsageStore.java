package dev.warbler.store.postgres;

import dev.warbler.core.spi.UsageStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage counters in the {@code usage_days} and {@code usage_active} tables of a {@link
 * PostgresDatabase}; a batch is one write on its writer, so one transaction.
 */
final class PostgresUsageStore implements UsageStore {
  private final PostgresDatabase db;

  PostgresUsageStore(PostgresDatabase db) {
    this.db = db;
  }

  @Override
  public void record(Batch batch) {
    StoreFutures.join(
        db.writer()
            .submit(w -> {
              PreparedStatement count =
                  w.statement(
                      "INSERT INTO usage_days (app, day, messages, bytes) VALUES (?, ?, ?, ?)"
                          + " ON CONFLICT (app, day) DO UPDATE SET"
                          + " messages = usage_days.messages + excluded.messages,"
                          + " bytes = usage_days.bytes + excluded.bytes");
              for (MessageCount m : batch.messages()) {
                count.setString(1, m.app());
                count.setString(2, m.day().toString());
                count.setLong(3, m.messages());
                count.setLong(4, m.bytes());
                count.executeUpdate();
              }
              PreparedStatement active =
                  w.statement(
                      "INSERT INTO usage_active (app, day, user_id) VALUES (?, ?, ?)"
                          + " ON CONFLICT DO NOTHING");
              for (ActiveUser a : batch.active()) {
                active.setString(1, a.app());
                active.setString(2, a.day().toString());
                active.setString(3, a.user());
                active.executeUpdate();
              }
              PreparedStatement peak =
                  w.statement(
                      "INSERT INTO usage_days (app, day, peak_connections) VALUES (?, ?, ?)"
                          + " ON CONFLICT (app, day) DO UPDATE SET"
                          + " peak_connections = greatest(usage_days.peak_connections,"
                          + " excluded.peak_connections)");
              for (Peak p : batch.peaks()) {
                peak.setString(1, p.app());
                peak.setString(2, p.day().toString());
                peak.setLong(3, p.connections());
                peak.executeUpdate();
              }
              return null;
            }));
  }

  @Override
  public List<Day> days(String app, LocalDate from, LocalDate to) {
    return db.read(c -> {
      Map<String, Long> active = new HashMap<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT day, count(*) FROM usage_active WHERE app = ? AND day BETWEEN ? AND ?"
                  + " GROUP BY day")) {
        ps.setString(1, app);
        ps.setString(2, from.toString());
        ps.setString(3, to.toString());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            active.put(rs.getString(1), rs.getLong(2));
          }
        }
      }
      Map<String, long[]> counts = new HashMap<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT day, messages, peak_connections FROM usage_days"
                  + " WHERE app = ? AND day BETWEEN ? AND ?")) {
        ps.setString(1, app);
        ps.setString(2, from.toString());
        ps.setString(3, to.toString());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            counts.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
          }
        }
      }
      List<Day> days = new ArrayList<>();
      for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
        String key = d.toString();
        long[] c2 = counts.get(key);
        Long a = active.get(key);
        if (c2 != null || a != null) {
          days.add(new Day(d, a == null ? 0 : a, c2 == null ? 0 : c2[0], c2 == null ? 0 : c2[1]));
        }
      }
      return days;
    });
  }

  @Override
  public long activeUsers(String app, LocalDate from, LocalDate to) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(DISTINCT user_id) FROM usage_active"
                  + " WHERE app = ? AND day BETWEEN ? AND ?")) {
        ps.setString(1, app);
        ps.setString(2, from.toString());
        ps.setString(3, to.toString());
        return single(ps);
      }
    });
  }

  @Override
  public long storedBytes(String app) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT coalesce(sum(bytes), 0) FROM usage_days WHERE app = ?")) {
        ps.setString(1, app);
        return single(ps);
      }
    });
  }

  @Override
  public long users(String app) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM users WHERE app = ?")) {
        ps.setString(1, app);
        return single(ps);
      }
    });
  }

  private static long single(PreparedStatement ps) throws java.sql.SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
