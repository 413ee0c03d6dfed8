package dev.warbler.store.postgres;

import dev.warbler.core.spi.AccessStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Bans and revocations in the {@code user_access} and {@code revoked_tokens} tables of a {@link
 * PostgresDatabase}, written through its writer, read from its pool.
 */
final class PostgresAccessStore implements AccessStore {
  private final PostgresDatabase db;

  PostgresAccessStore(PostgresDatabase db) {
    this.db = db;
  }

  @Override
  public List<UserAccess> userAccess() {
    return db.read(c -> {
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT app, user_id, banned_at, ban_reason, tokens_not_before"
                      + " FROM user_access");
          ResultSet rs = ps.executeQuery()) {
        List<UserAccess> list = new ArrayList<>();
        while (rs.next()) {
          list.add(
              new UserAccess(
                  rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getLong(5)));
        }
        return list;
      }
    });
  }

  @Override
  public void putUserAccess(UserAccess a) {
    db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO user_access"
                      + " (app, user_id, banned_at, ban_reason, tokens_not_before)"
                      + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (app, user_id) DO UPDATE SET"
                      + " banned_at = excluded.banned_at, ban_reason = excluded.ban_reason,"
                      + " tokens_not_before = excluded.tokens_not_before");
          ps.setString(1, a.app());
          ps.setString(2, a.user());
          ps.setLong(3, a.bannedAt());
          ps.setString(4, a.banReason());
          ps.setLong(5, a.tokensNotBefore());
          return ps.executeUpdate();
        });
  }

  @Override
  public List<RevokedToken> revokedTokens(long now) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT app, token_id, user_id, expires_at FROM revoked_tokens"
                  + " WHERE expires_at > ?")) {
        ps.setLong(1, now);
        List<RevokedToken> list = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            list.add(
                new RevokedToken(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
          }
        }
        return list;
      }
    });
  }

  @Override
  public void revokeToken(RevokedToken t) {
    db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO revoked_tokens (app, token_id, user_id, expires_at)"
                      + " VALUES (?, ?, ?, ?) ON CONFLICT (app, token_id) DO UPDATE SET"
                      + " user_id = excluded.user_id, expires_at = excluded.expires_at");
          ps.setString(1, t.app());
          ps.setString(2, t.id());
          ps.setString(3, t.user());
          ps.setLong(4, t.expiresAt());
          return ps.executeUpdate();
        });
  }

  @Override
  public int purgeRevokedTokens(long now) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps = w.statement("DELETE FROM revoked_tokens WHERE expires_at <= ?");
          ps.setLong(1, now);
          return ps.executeUpdate();
        });
  }
}
