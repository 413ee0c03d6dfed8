package dev.warbler.store.postgres;

import dev.warbler.core.directory.UserProfile;
import dev.warbler.core.spi.ProfileStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Profiles and last-seen times in the {@code users} table of a {@link PostgresDatabase}, written
 * through its writer, read from its pool.
 */
final class PostgresProfileStore implements ProfileStore {
  private static final String COLUMNS = "id, name, avatar_url, custom, created_at, last_seen";

  /** Users per {@code IN (...)} query; keeps each statement small. */
  private static final int IN_BATCH = 500;

  private final PostgresDatabase db;

  PostgresProfileStore(PostgresDatabase db) {
    this.db = db;
  }

  @Override
  public Optional<UserProfile> profile(String app, String user) {
    return db.read(c -> find(c, app, user));
  }

  @Override
  public Optional<UserProfile> updateProfile(
      String app, String user, UnaryOperator<UserProfile> change) {
    return StoreFutures.join(
        db.writer()
            .submit(w -> {
              PreparedStatement select =
                  w.statement(
                      "SELECT " + COLUMNS + " FROM users WHERE app = ? AND id = ? FOR UPDATE");
              select.setString(1, app);
              select.setString(2, user);
              Optional<UserProfile> current;
              try (ResultSet rs = select.executeQuery()) {
                current = rs.next() ? Optional.of(profile(app, rs)) : Optional.empty();
              }
              if (current.isEmpty()) {
                return Optional.<UserProfile>empty();
              }
              UserProfile next = change.apply(current.get());
              PreparedStatement update =
                  w.statement(
                      "UPDATE users SET name = ?, avatar_url = ?, custom = ?"
                          + " WHERE app = ? AND id = ?");
              update.setString(1, next.name());
              update.setString(2, next.avatarUrl());
              update.setString(3, next.custom());
              update.setString(4, app);
              update.setString(5, user);
              update.executeUpdate();
              return Optional.of(next);
            }));
  }

  @Override
  public List<UserProfile> profiles(String app, String afterUser, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT " + COLUMNS + " FROM users WHERE app = ? AND id > ? ORDER BY id LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, afterUser);
        ps.setInt(3, limit);
        List<UserProfile> list = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            list.add(profile(app, rs));
          }
        }
        return list;
      }
    });
  }

  @Override
  public Map<String, Long> lastSeen(String app, Collection<String> users) {
    List<String> all = List.copyOf(users);
    Map<String, Long> seen = new HashMap<>();
    for (int from = 0; from < all.size(); from += IN_BATCH) {
      List<String> batch = all.subList(from, Math.min(all.size(), from + IN_BATCH));
      db.read(c -> {
        String marks = String.join(",", Collections.nCopies(batch.size(), "?"));
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, last_seen FROM users WHERE app = ? AND last_seen > 0 AND id IN ("
                    + marks
                    + ")")) {
          ps.setString(1, app);
          for (int i = 0; i < batch.size(); i++) {
            ps.setString(i + 2, batch.get(i));
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              seen.put(rs.getString(1), rs.getLong(2));
            }
          }
        }
        return null;
      });
    }
    return seen;
  }

  @Override
  public CompletableFuture<Boolean> recordLastSeen(String app, String user, long millis) {
    return db.writer()
        .submit(w -> {
          PreparedStatement ps =
              w.statement("UPDATE users SET last_seen = ? WHERE app = ? AND id = ?");
          ps.setLong(1, millis);
          ps.setString(2, app);
          ps.setString(3, user);
          return ps.executeUpdate() == 1;
        });
  }

  private static Optional<UserProfile> find(Connection c, String app, String user)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE app = ? AND id = ?")) {
      ps.setString(1, app);
      ps.setString(2, user);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(profile(app, rs)) : Optional.empty();
      }
    }
  }

  private static UserProfile profile(String app, ResultSet rs) throws SQLException {
    return new UserProfile(
        app,
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getLong(5),
        rs.getLong(6));
  }
}
