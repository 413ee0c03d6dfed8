package dev.warbler.store.postgres;

import dev.warbler.core.audit.AuditChain;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.audit.AuditQuery;
import dev.warbler.core.audit.AuditRecord;
import dev.warbler.core.spi.AuditLog;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The audit log in the {@code audit_log} table of a {@link PostgresDatabase}. Appends go through
 * the node's writer (group commit with whatever else is queued); each reads the chain's head and
 * its app's last {@code app_seq} inside the writer's transaction, so the chain stays right across
 * batches, failed savepoints and restarts without any in-memory state. Every append is keyed (an
 * HMAC under the {@link AuditKey}); rows written by versions before the key stay as they are
 * ({@code keyed = 0}). Reads use the pool.
 */
final class PostgresAuditLog implements AuditLog {
  private static final String COLUMNS =
      "seq, time, app, actor, ip, action, target, outcome, error, count, detail, prev_hash, hash,"
          + " app_seq, keyed";

  private final PostgresDatabase db;
  private final AuditKey key;

  PostgresAuditLog(PostgresDatabase db, AuditKey key) {
    this.db = db;
    this.key = key;
  }

  @Override
  public CompletableFuture<AuditRecord> append(AuditEvent e) {
    return db.writer()
        .submit(w -> {
          // Appends from every node serialize on a lock of this schema's log until the commit.
          try (ResultSet rs =
              w.statement(
                      "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_log'))")
                  .executeQuery()) {
            rs.next();
          }
          long seq = 0;
          String prev = AuditChain.GENESIS;
          try (ResultSet rs =
              w.statement("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                  .executeQuery()) {
            if (rs.next()) {
              seq = rs.getLong(1);
              prev = rs.getString(2);
            }
          }
          long appSeq = 0;
          PreparedStatement last = w.statement("SELECT max(app_seq) FROM audit_log WHERE app = ?");
          last.setString(1, e.app());
          try (ResultSet rs = last.executeQuery()) {
            if (rs.next()) {
              appSeq = rs.getLong(1);
            }
          }
          long next = seq + 1;
          long nextAppSeq = appSeq + 1;
          String hash = AuditChain.mac(key, prev, next, nextAppSeq, e);
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO audit_log (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)");
          ps.setLong(1, next);
          ps.setLong(2, e.time());
          ps.setString(3, e.app());
          ps.setString(4, e.actor());
          ps.setString(5, e.ip());
          ps.setString(6, e.action());
          ps.setString(7, e.target());
          ps.setString(8, e.outcome());
          ps.setString(9, e.error());
          ps.setLong(10, e.count());
          ps.setString(11, e.detail());
          ps.setString(12, prev);
          ps.setString(13, hash);
          ps.setLong(14, nextAppSeq);
          ps.executeUpdate();
          return new AuditRecord(next, nextAppSeq, e, prev, hash, true);
        });
  }

  @Override
  public List<AuditRecord> list(AuditQuery q, long after, int limit) {
    return query("seq", q, q.app(), after, limit);
  }

  @Override
  public List<AuditRecord> listApp(String app, AuditQuery q, long afterAppSeq, int limit) {
    return query("app_seq", q, app, afterAppSeq, limit);
  }

  @Override
  public Optional<AuditRecord> last() {
    return db.read(c -> {
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT " + COLUMNS + " FROM audit_log ORDER BY seq DESC LIMIT 1");
          ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(record(rs)) : Optional.empty();
      }
    });
  }

  /** Records with {@code position > after} ({@code seq} or {@code app_seq}), in log order. */
  private List<AuditRecord> query(
      String position, AuditQuery q, String app, long after, int limit) {
    StringBuilder sql =
        new StringBuilder("SELECT " + COLUMNS + " FROM audit_log WHERE " + position + " > ?");
    List<Object> args = new ArrayList<>();
    args.add(after);
    if (!app.isEmpty()) {
      sql.append(" AND app = ?");
      args.add(app);
    }
    if (!q.action().isEmpty()) {
      sql.append(" AND action = ?");
      args.add(q.action());
    }
    if (!q.actor().isEmpty()) {
      sql.append(" AND actor = ?");
      args.add(q.actor());
    }
    if (q.since() > 0) {
      sql.append(" AND time >= ?");
      args.add(q.since());
    }
    if (q.until() > 0) {
      sql.append(" AND time < ?");
      args.add(q.until());
    }
    sql.append(" ORDER BY seq LIMIT ?");
    args.add(limit);
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        for (int i = 0; i < args.size(); i++) {
          Object a = args.get(i);
          if (a instanceof String s) {
            ps.setString(i + 1, s);
          } else {
            ps.setLong(i + 1, ((Number) a).longValue());
          }
        }
        List<AuditRecord> list = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            list.add(record(rs));
          }
        }
        return list;
      }
    });
  }

  private static AuditRecord record(ResultSet rs) throws SQLException {
    return new AuditRecord(
        rs.getLong(1),
        rs.getLong(14),
        new AuditEvent(
            rs.getLong(2),
            rs.getString(3),
            rs.getString(4),
            rs.getString(5),
            rs.getString(6),
            rs.getString(7),
            rs.getString(8),
            rs.getString(9),
            rs.getLong(10),
            rs.getString(11)),
        rs.getString(12),
        rs.getString(13),
        rs.getInt(15) == 1);
  }
}
