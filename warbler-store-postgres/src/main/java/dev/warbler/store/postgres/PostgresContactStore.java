package dev.warbler.store.postgres;

import dev.warbler.core.contacts.ContactEntry;
import dev.warbler.core.contacts.FriendRequest;
import dev.warbler.core.spi.ContactCounts;
import dev.warbler.core.spi.ContactStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Friend requests, friends and blocks in the PostgreSQL database, written through the writer. */
final class PostgresContactStore implements ContactStore {
  private static final String REQUEST_COLUMNS = "from_user, to_user, message, created_at";

  private final PostgresDatabase db;

  PostgresContactStore(PostgresDatabase db) {
    this.db = db;
  }

  // ---- requests ----------------------------------------------------------------------------

  @Override
  public Optional<FriendRequest> friendRequest(String app, String from, String to) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + REQUEST_COLUMNS
                  + " FROM friend_requests WHERE app = ? AND from_user = ? AND to_user = ?")) {
        ps.setString(1, app);
        ps.setString(2, from);
        ps.setString(3, to);
        return requests(app, ps).stream().findFirst();
      }
    });
  }

  @Override
  public void putFriendRequest(FriendRequest r) {
    db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO friend_requests (app, "
                      + REQUEST_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?) ON CONFLICT (app, from_user, to_user)"
                      + " DO UPDATE SET message = excluded.message,"
                      + " created_at = excluded.created_at");
          ps.setString(1, r.app());
          ps.setString(2, r.from());
          ps.setString(3, r.to());
          ps.setString(4, r.message());
          ps.setLong(5, r.createdAt());
          return ps.executeUpdate();
        });
  }

  @Override
  public boolean deleteFriendRequest(String app, String from, String to) {
    return db.writer().call(w -> deleteRequest(w, app, from, to));
  }

  private static boolean deleteRequest(PostgresWriter w, String app, String from, String to)
      throws SQLException {
    PreparedStatement ps =
        w.statement("DELETE FROM friend_requests WHERE app = ? AND from_user = ? AND to_user = ?");
    ps.setString(1, app);
    ps.setString(2, from);
    ps.setString(3, to);
    return ps.executeUpdate() == 1;
  }

  @Override
  public List<FriendRequest> friendRequests(
      String app, String user, boolean outgoing, String after, int limit) {
    String mine = outgoing ? "from_user" : "to_user";
    String other = outgoing ? "to_user" : "from_user";
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + REQUEST_COLUMNS
                  + " FROM friend_requests WHERE app = ? AND "
                  + mine
                  + " = ? AND "
                  + other
                  + " > ? ORDER BY "
                  + other
                  + " LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, user);
        ps.setString(3, after);
        ps.setInt(4, limit);
        return requests(app, ps);
      }
    });
  }

  private static List<FriendRequest> requests(String app, PreparedStatement ps)
      throws SQLException {
    List<FriendRequest> list = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        list.add(
            new FriendRequest(
                app, rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
      }
    }
    return list;
  }

  // ---- friends -----------------------------------------------------------------------------

  @Override
  public boolean addFriends(String app, String a, String b, long since) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO friends (app, user_id, friend, since) VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT DO NOTHING");
          boolean added = false;
          for (String[] pair : new String[][] {{a, b}, {b, a}}) {
            ps.setString(1, app);
            ps.setString(2, pair[0]);
            ps.setString(3, pair[1]);
            ps.setLong(4, since);
            added |= ps.executeUpdate() == 1;
          }
          deleteRequest(w, app, a, b);
          deleteRequest(w, app, b, a);
          return added;
        });
  }

  @Override
  public boolean removeFriends(String app, String a, String b) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement("DELETE FROM friends WHERE app = ? AND user_id = ? AND friend = ?");
          boolean removed = false;
          for (String[] pair : new String[][] {{a, b}, {b, a}}) {
            ps.setString(1, app);
            ps.setString(2, pair[0]);
            ps.setString(3, pair[1]);
            removed |= ps.executeUpdate() == 1;
          }
          return removed;
        });
  }

  @Override
  public boolean areFriends(String app, String a, String b) {
    return exists("SELECT 1 FROM friends WHERE app = ? AND user_id = ? AND friend = ?", app, a, b);
  }

  @Override
  public List<ContactEntry> friends(String app, String user, String after, int limit) {
    return entries(
        "SELECT friend, since FROM friends WHERE app = ? AND user_id = ? AND friend > ?"
            + " ORDER BY friend LIMIT ?",
        app,
        user,
        after,
        limit);
  }

  // ---- blocks ------------------------------------------------------------------------------

  @Override
  public boolean block(String app, String blocker, String blocked, long since) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO blocks (app, blocker, blocked, since) VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT DO NOTHING");
          ps.setString(1, app);
          ps.setString(2, blocker);
          ps.setString(3, blocked);
          ps.setLong(4, since);
          boolean added = ps.executeUpdate() == 1;
          deleteRequest(w, app, blocked, blocker);
          return added;
        });
  }

  @Override
  public boolean unblock(String app, String blocker, String blocked) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement("DELETE FROM blocks WHERE app = ? AND blocker = ? AND blocked = ?");
          ps.setString(1, app);
          ps.setString(2, blocker);
          ps.setString(3, blocked);
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public boolean blocks(String app, String blocker, String blocked) {
    return exists(
        "SELECT 1 FROM blocks WHERE app = ? AND blocker = ? AND blocked = ?",
        app,
        blocker,
        blocked);
  }

  @Override
  public List<ContactEntry> blocked(String app, String blocker, String after, int limit) {
    return entries(
        "SELECT blocked, since FROM blocks WHERE app = ? AND blocker = ? AND blocked > ?"
            + " ORDER BY blocked LIMIT ?",
        app,
        blocker,
        after,
        limit);
  }

  @Override
  public ContactCounts counts(String app, String user) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT (SELECT count(*) FROM friends WHERE app = ? AND user_id = ?),"
                  + " (SELECT count(*) FROM blocks WHERE app = ? AND blocker = ?),"
                  + " (SELECT count(*) FROM friend_requests WHERE app = ? AND from_user = ?)")) {
        for (int i = 0; i < 3; i++) {
          ps.setString(2 * i + 1, app);
          ps.setString(2 * i + 2, user);
        }
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new ContactCounts(rs.getInt(1), rs.getInt(2), rs.getInt(3));
        }
      }
    });
  }

  // ---- helpers -----------------------------------------------------------------------------

  private boolean exists(String sql, String app, String a, String b) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, app);
        ps.setString(2, a);
        ps.setString(3, b);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  private List<ContactEntry> entries(String sql, String app, String user, String after, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, app);
        ps.setString(2, user);
        ps.setString(3, after);
        ps.setInt(4, limit);
        List<ContactEntry> list = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            list.add(new ContactEntry(rs.getString(1), rs.getLong(2)));
          }
        }
        return list;
      }
    });
  }
}
