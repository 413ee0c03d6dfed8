package dev.warbler.core.access;

import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.spi.AccessStore;
import dev.warbler.core.spi.AccessStore.RevokedToken;
import dev.warbler.core.spi.AccessStore.UserAccess;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;

/**
 * App-wide bans and token revocation, enforced at authentication and on open connections.
 *
 * <p>{@link #check} runs on every authentication and answers from two in-memory maps (O(1), no
 * store access): the store is loaded whole at startup, and every change is written to the store,
 * then published ({@link Event.AccessChanged}, {@link Event.TokenRevoked}); every node, this one
 * included, updates its maps from the event, then a {@link Event.CloseSessions} closes the affected
 * connections on every node: a ban with {@link CloseCode#USER_BANNED}, a revocation with {@link
 * CloseCode#TOKEN_REVOKED}. A connection that authenticates concurrently re-checks after it
 * registered (see the gateway), so it cannot slip between the write and the close.
 *
 * <p>Revoking all tokens of a user sets its {@code tokensNotBefore} to the start of the next whole
 * second: {@code iat} has whole seconds, so every token issued up to the revocation (in the same
 * second included) is refused; {@link TokenService#issue(App, String, java.time.Duration, long)}
 * gives tokens issued in that second an {@code iat} of the next second, so they pass.
 */
public final class Access {
  private final AccessStore store;
  private final Publisher publisher;
  private final InstantSource clock;
  private final ConcurrentHashMap<String, UserAccess> users = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, RevokedToken> tokens = new ConcurrentHashMap<>();

  public Access(AccessStore store, Bus bus, Publisher publisher, InstantSource clock) {
    this.store = store;
    this.publisher = publisher;
    this.clock = clock;
    bus.subscribe(Topic.nodes(), this::heard);
    store.userAccess().forEach(a -> users.put(key(a.app(), a.user()), a));
    store.revokedTokens(clock.millis()).forEach(t -> tokens.put(key(t.app(), t.id()), t));
  }

  /** Applies a change made on any node, this one included. */
  private void heard(Event event) {
    switch (event) {
      case Event.AccessChanged a -> users.put(key(a.app(), a.access().user()), a.access());
      case Event.TokenRevoked t -> tokens.put(key(t.app(), t.token().id()), t.token());
      case Event.UserDeleted d -> forget(d.app(), d.user());
      default -> {}
    }
  }

  /**
   * Refuses a verified token whose user is banned (USER_BANNED) or which was revoked, alone or with
   * all of its user's tokens (TOKEN_REVOKED). Never touches the store.
   */
  public void check(VerifiedToken token) {
    Principal who = token.principal();
    UserAccess a = users.get(key(who.app(), who.user()));
    if (a != null) {
      if (a.banned()) {
        throw banned(who.user());
      }
      if (token.issuedAt() < a.tokensNotBefore()) {
        throw new WarblerException(
            ErrorCode.TOKEN_REVOKED, "the tokens of user '" + who.user() + "' were revoked");
      }
    }
    if (!token.id().isEmpty()) {
      RevokedToken r = tokens.get(key(who.app(), token.id()));
      if (r != null && r.user().equals(who.user())) {
        throw new WarblerException(ErrorCode.TOKEN_REVOKED, "the token was revoked");
      }
    }
  }

  /** Whether the user is banned app-wide. */
  public boolean banned(String app, String user) {
    UserAccess a = users.get(key(app, user));
    return a != null && a.banned();
  }

  /** USER_BANNED if the user is banned; for token issuance. */
  public void requireNotBanned(String app, String user) {
    if (banned(app, user)) {
      throw banned(user);
    }
  }

  /** The access state of a user (all zero when nothing was ever set). */
  public UserAccess state(String app, String user) {
    UserAccess a = users.get(key(app, user));
    return a == null ? new UserAccess(app, user, 0, "", 0) : a;
  }

  /**
   * The smallest {@code iat} (ms) a new token of the user must carry to pass {@link #check}; 0 when
   * its tokens were never revoked.
   */
  public long issuedAtFloor(String app, String user) {
    UserAccess a = users.get(key(app, user));
    return a == null ? 0 : a.tokensNotBefore();
  }

  /**
   * Bans a user app-wide: its connections close with {@link CloseCode#USER_BANNED} and it cannot
   * authenticate nor be issued tokens until unbanned. Banning a banned user keeps the first ban.
   */
  public synchronized UserAccess ban(String app, String user, String reason) {
    UserAccess old = state(app, user);
    UserAccess now =
        old.banned()
            ? old
            : new UserAccess(app, user, Math.max(1, clock.millis()), reason, old.tokensNotBefore());
    if (now != old) {
      store.putUserAccess(now);
      publisher.publish(new Event.AccessChanged(now));
    }
    publisher.publish(new Event.CloseSessions(app, user, "", CloseCode.USER_BANNED, "user banned"));
    return now;
  }

  /** Lifts a ban; false if the user was not banned. Tokens issued before stay valid. */
  public synchronized boolean unban(String app, String user) {
    UserAccess old = state(app, user);
    if (!old.banned()) {
      return false;
    }
    UserAccess now = new UserAccess(app, user, 0, "", old.tokensNotBefore());
    store.putUserAccess(now);
    publisher.publish(new Event.AccessChanged(now));
    return true;
  }

  /**
   * Revokes every token of the user issued until now and closes its connections with {@link
   * CloseCode#TOKEN_REVOKED}; returns the new {@code tokensNotBefore} (ms).
   */
  public synchronized long revokeTokens(String app, String user) {
    long notBefore = (clock.millis() / 1000 + 1) * 1000;
    UserAccess old = state(app, user);
    UserAccess now =
        new UserAccess(
            app, user, old.bannedAt(), old.banReason(), Math.max(notBefore, old.tokensNotBefore()));
    store.putUserAccess(now);
    publisher.publish(new Event.AccessChanged(now));
    publisher.publish(
        new Event.CloseSessions(app, user, "", CloseCode.TOKEN_REVOKED, "tokens revoked"));
    return now.tokensNotBefore();
  }

  /**
   * Revokes one token (by its {@code jti}) until it expires and closes the connections that
   * authenticated with it. The token must carry a {@code jti}.
   */
  public void revokeToken(VerifiedToken token) {
    if (token.id().isEmpty()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "the token has no 'jti' claim; revoke all tokens of its user instead");
    }
    Principal who = token.principal();
    RevokedToken r = new RevokedToken(who.app(), token.id(), who.user(), token.expiresAt());
    store.revokeToken(r);
    publisher.publish(new Event.TokenRevoked(r));
    publisher.publish(
        new Event.CloseSessions(
            who.app(), who.user(), token.id(), CloseCode.TOKEN_REVOKED, "token revoked"));
  }

  /**
   * Forgets a deleted user's access state and revoked tokens, which the store erased with the user.
   * Its tokens are refused anyway: the user does not exist.
   */
  private void forget(String app, String user) {
    users.remove(key(app, user));
    tokens.values().removeIf(t -> t.app().equals(app) && t.user().equals(user));
  }

  /** Forgets revoked tokens past their expiry (they are refused as expired anyway). */
  public int purgeExpired() {
    long now = clock.millis();
    tokens.values().removeIf(t -> t.expiresAt() <= now);
    return store.purgeRevokedTokens(now);
  }

  /** Revoked tokens held in memory; for tests and metrics. */
  public int revokedTokens() {
    return tokens.size();
  }

  private static WarblerException banned(String user) {
    return new WarblerException(
        ErrorCode.USER_BANNED, "user '" + Ids.clip(user) + "' is banned from the app");
  }

  private static String key(String app, String id) {
    return app + '\u0000' + id;
  }
}
