package dev.warbler.core.spi;

import dev.warbler.core.access.Access;
import java.util.List;

/**
 * App-wide bans and token revocations. Small by nature (rows exist only for banned users, users
 * whose tokens were revoked, and revoked tokens until they expire): {@link Access} loads it whole
 * at startup and answers every check from memory. Writes are durable when the method returns.
 * Thread-safe; methods block on I/O.
 */
public interface AccessStore {

  /**
   * The access state of a user: {@code bannedAt} (ms, 0 = not banned) with its reason, and {@code
   * tokensNotBefore} (ms, 0 = none): tokens issued before it are revoked.
   */
  record UserAccess(
      String app, String user, long bannedAt, String banReason, long tokensNotBefore) {
    public boolean banned() {
      return bannedAt > 0;
    }
  }

  /** One revoked token, kept until it would have expired anyway. */
  record RevokedToken(String app, String id, String user, long expiresAt) {}

  /** Every stored user access state. */
  List<UserAccess> userAccess();

  /** Stores (replaces) a user's access state. */
  void putUserAccess(UserAccess access);

  /** Revoked tokens that expire after {@code now}. */
  List<RevokedToken> revokedTokens(long now);

  /** Stores a revoked token (idempotent). */
  void revokeToken(RevokedToken token);

  /** Forgets revoked tokens that expired at or before {@code now}; returns how many. */
  int purgeRevokedTokens(long now);
}
