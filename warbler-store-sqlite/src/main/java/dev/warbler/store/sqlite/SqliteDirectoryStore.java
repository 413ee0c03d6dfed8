package dev.warbler.store.sqlite;

import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.spi.DirectoryStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Apps and users in the {@link SqliteDatabase}; a deleted user's rows of every other port go in the
 * same write (see {@link #deleteUser}).
 */
final class SqliteDirectoryStore implements DirectoryStore {
  private final SqliteDatabase db;

  SqliteDirectoryStore(SqliteDatabase db) {
    this.db = db;
  }

  @Override
  public boolean createApp(App app) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO apps (id, name, secret, created_at) VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT DO NOTHING");
          ps.setString(1, app.id());
          ps.setString(2, app.name());
          ps.setString(3, app.secret());
          ps.setLong(4, app.createdAt());
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public boolean updateAppSecret(String id, String secret) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps = w.statement("UPDATE apps SET secret = ? WHERE id = ?");
          ps.setString(1, secret);
          ps.setString(2, id);
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public Optional<App> app(String id) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT id, name, secret, created_at FROM apps WHERE id = ?")) {
        ps.setString(1, id);
        return apps(ps).stream().findFirst();
      }
    });
  }

  @Override
  public List<App> apps() {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT id, name, secret, created_at FROM apps ORDER BY id")) {
        return apps(ps);
      }
    });
  }

  private static List<App> apps(PreparedStatement ps) throws SQLException {
    List<App> list = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        list.add(new App(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
      }
    }
    return list;
  }

  @Override
  public boolean createUser(User user) {
    // One statement on the single writer: a delete that retired the id committed before it or
    // runs after it, never in between.
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO users (app, id, name, created_at) SELECT ?, ?, ?, ?"
                      + " WHERE NOT EXISTS (SELECT 1 FROM retired_users WHERE app = ? AND id = ?)"
                      + " ON CONFLICT DO NOTHING");
          ps.setString(1, user.app());
          ps.setString(2, user.id());
          ps.setString(3, user.name());
          ps.setLong(4, user.createdAt());
          ps.setString(5, user.app());
          ps.setString(6, user.id());
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public boolean retired(String app, String id) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT 1 FROM retired_users WHERE app = ? AND id = ?")) {
        ps.setString(1, app);
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  @Override
  public Optional<User> user(String app, String id) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT name, created_at FROM users WHERE app = ? AND id = ?")) {
        ps.setString(1, app);
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(new User(app, id, rs.getString(1), rs.getLong(2)))
              : Optional.empty();
        }
      }
    });
  }

  /** What {@link #deleteUser} erases besides the user row, each keyed by (app, user). */
  private static final List<String> ERASED_WITH_A_USER =
      List.of(
          "DELETE FROM members WHERE app = ?1 AND user_id = ?2",
          "DELETE FROM friend_requests WHERE app = ?1 AND (from_user = ?2 OR to_user = ?2)",
          "DELETE FROM friends WHERE app = ?1 AND (user_id = ?2 OR friend = ?2)",
          "DELETE FROM blocks WHERE app = ?1 AND (blocker = ?2 OR blocked = ?2)",
          "DELETE FROM group_join_requests WHERE app = ?1 AND user_id = ?2",
          "DELETE FROM group_bans WHERE app = ?1 AND user_id = ?2",
          "DELETE FROM hidden_messages WHERE app = ?1 AND user_id = ?2",
          "DELETE FROM user_access WHERE app = ?1 AND user_id = ?2",
          "DELETE FROM revoked_tokens WHERE app = ?1 AND user_id = ?2",
          "DELETE FROM moderation_reviews WHERE app = ?1 AND sender = ?2");

  @Override
  public boolean deleteUser(String app, String id, long deletedAt) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps = w.statement("DELETE FROM users WHERE app = ? AND id = ?");
          ps.setString(1, app);
          ps.setString(2, id);
          if (ps.executeUpdate() == 0) {
            return false;
          }
          PreparedStatement retire =
              w.statement(
                  "INSERT INTO retired_users (app, id, deleted_at) VALUES (?, ?, ?)"
                      + " ON CONFLICT DO NOTHING");
          retire.setString(1, app);
          retire.setString(2, id);
          retire.setLong(3, deletedAt);
          retire.executeUpdate();
          // Every conversation the user was in moves in the others' sync order (a group lost a
          // member), each to its own position: conversations sharing one position could be cut
          // apart by a sync page boundary, and the cursor would skip the rest of them.
          PreparedStatement was =
              w.statement("SELECT conversation FROM members WHERE app = ? AND user_id = ?");
          was.setString(1, app);
          was.setString(2, id);
          List<String> conversations = new ArrayList<>();
          try (ResultSet rs = was.executeQuery()) {
            while (rs.next()) {
              conversations.add(rs.getString(1));
            }
          }
          PreparedStatement moved =
              w.statement("UPDATE conversations SET change_pos = ? WHERE app = ? AND id = ?");
          for (String conversation : conversations) {
            moved.setLong(1, db.nextChangePosition());
            moved.setString(2, app);
            moved.setString(3, conversation);
            moved.executeUpdate();
          }
          for (String sql : ERASED_WITH_A_USER) {
            PreparedStatement erase = w.statement(sql);
            erase.setString(1, app);
            erase.setString(2, id);
            erase.executeUpdate();
          }
          return true;
        });
  }
}
