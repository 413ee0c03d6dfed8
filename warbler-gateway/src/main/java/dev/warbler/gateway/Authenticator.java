package dev.warbler.gateway;

import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.access.Access;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.access.VerifiedToken;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.messaging.MessageIds;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.gateway.GatewayMeters.AuthFailure;
import dev.warbler.gateway.Link.State;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Decoded;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication of one connection: the state machine from the upgrade to {@code auth_ok}, the
 * frames held meanwhile, the user's connection slot and the token's expiry.
 *
 * <ul>
 *   <li>The first frame must be {@code auth}, and {@code auth_ok} must have been sent within {@code
 *       authTimeout} of the handshake, else {@code closing}{4101} and close 4101.
 *   <li>A first frame that is not {@code auth}: {@code error} UNAUTHENTICATED (echoing its id),
 *       then {@code closing}{4104} and close 4104. An undecodable first frame: {@code error}
 *       MALFORMED_FRAME (with the id recovered from the bytes when possible, else empty), then 4104
 *       the same way. A first frame with two members of one oneof, or whose id is over 64
 *       characters: {@code error} INVALID_ARGUMENT (echoing the id as sent), then 4104.
 *   <li>{@code auth}: first, if the client address is throttled for failed authentications ({@link
 *       GatewayLimits#authFailures()}), RATE_LIMITED with its retry-after, then close 1013, without
 *       looking at the token; a TOKEN_INVALID below counts against the address. Then the token is
 *       verified off the event loop, and in order: if {@code Auth.app} is set and is not the
 *       token's app, WRONG_APP; if the token's user was deleted, USER_ID_RETIRED, if it never
 *       existed, USER_NOT_FOUND; if the user is banned app-wide, USER_BANNED; if the token was
 *       revoked, TOKEN_REVOKED (both in-memory lookups, {@link dev.warbler.core.access.Access}). A
 *       failure sends {@code error} (echoing the auth frame's id) then {@code closing} and close
 *       with 4102 for TOKEN_EXPIRED, 4103 for USER_ID_RETIRED (also when the user is deleted while
 *       the connection authenticates), 4105 for USER_BANNED, 4106 for TOKEN_REVOKED, 1011 for
 *       retryable errors (INTERNAL, UNAVAILABLE) and 4100 for every other code (TOKEN_INVALID,
 *       WRONG_APP, USER_NOT_FOUND). Non-retryable failures are audited, coalesced per address.
 *   <li>Success: {@code auth_ok} {app, user, session (22 characters), server_time (ms),
 *       idle_timeout_seconds (rounded up), max_frame_bytes, max_message_bytes}; from then on the
 *       connection receives {@code message} pushes. When the token's {@code exp} passes, {@code
 *       closing}{4102} and close 4102.
 *   <li>A user that already has {@code gateway.max-connections-per-user} authenticated connections
 *       on this node: {@code error} LIMIT_EXCEEDED, then {@code closing}{4107} and close 4107 (do
 *       not reconnect until another connection of the user closed). The slot is given back when the
 *       connection closes.
 *   <li>Frames sent after {@code auth} but before {@code auth_ok} are held (at most {@link
 *       Gateway#MAX_PENDING_BEFORE_AUTH}, more: {@code error} UNAUTHENTICATED then 4104) and served
 *       in order once authenticated; dropped if authentication fails.
 * </ul>
 *
 * <p>Threading: the event loop calls every method except {@link #releaseUserSlot} (any thread); the
 * token and user checks run on a virtual thread ({@code verify}), which hands the outcome back to
 * the event loop.
 */
final class Authenticator {
  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

  /** What authentication uses of the node; one per gateway, shared by its connections. */
  record Shared(
      GatewayConfig config,
      TokenService tokens,
      Directory directory,
      Access access,
      Sessions sessions,
      GroupAdmin groups,
      Audit audit,
      AuthThrottle throttle,
      UserSlots slots,
      RateLimiter rates,
      MessageIds sessionIds,
      PushEncodings encodings,
      InstantSource clock,
      int maxMessageBytes,
      GatewayMeters meters,
      ExecutorService blocking,
      GatewayTraces traces) {}

  private final Shared node;
  private final Link link;
  private final Outbound out;

  /** Serves the held frames once authenticated. */
  private final Requests requests;

  /** Flushes the rate refusals written while serving the held frames. */
  private final RateGate rate;

  /** Reconsiders whether the socket is read (FrameHandler's read policy). */
  private final Runnable readPolicy;

  /** The user's connection slot ({@code app/user}) once taken at auth; given back on close. */
  private final AtomicReference<@Nullable String> userSlot = new AtomicReference<>();

  // Event-loop confined.
  private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
  private @Nullable ScheduledFuture<?> authTimer;
  private @Nullable ScheduledFuture<?> expiryTimer;

  Authenticator(
      Shared node, Link link, Outbound out, Requests requests, RateGate rate, Runnable readPolicy) {
    this.node = node;
    this.link = link;
    this.out = out;
    this.requests = requests;
    this.rate = rate;
    this.readPolicy = readPolicy;
  }

  /** The WebSocket upgrade completed: {@code auth_ok} must follow within the auth timeout. */
  void start() {
    if (link.state() != State.HANDSHAKING) {
      return;
    }
    link.state(State.AWAITING_AUTH);
    authTimer =
        link.schedule(
            () -> {
              if (link.state() == State.AWAITING_AUTH || link.state() == State.AUTHENTICATING) {
                node.meters().authFailed(AuthFailure.TIMEOUT);
                log.info("no auth from {} in time", link.remote());
                out.requestClose(CloseCode.AUTH_TIMEOUT, "no auth within the auth timeout");
              }
            },
            node.config().authTimeout().toMillis());
  }

  /** The connection is closing: no timers, and the held frames are dropped. */
  void stop() {
    Link.cancel(authTimer);
    Link.cancel(expiryTimer);
    pending.clear();
  }

  /** The first data frame after the upgrade. */
  void first(byte[] bytes) {
    switch (link.encoding().codec().decodeClient(bytes)) {
      case Decoded.Malformed m ->
          refuseUnauthenticated(m.requestId(), ErrorCode.MALFORMED_FRAME, m.reason());
      case Decoded.Invalid i ->
          refuseUnauthenticated(i.requestId(), ErrorCode.INVALID_ARGUMENT, i.reason());
      case Decoded.Frame f -> {
        ClientFrame frame = f.frame();
        if (frame.getId().length() > Ids.MAX_ID_LENGTH) {
          // Echoed as sent (it is in memory already), so that the client can match the answer.
          refuseUnauthenticated(
              frame.getId(), ErrorCode.INVALID_ARGUMENT, Requests.idTooLong(frame.getId()));
        } else if (!frame.hasAuth()) {
          refuseUnauthenticated(
              frame.getId(),
              ErrorCode.UNAUTHENTICATED,
              "the first frame must be auth but was " + bodyName(frame));
        } else {
          authenticate(frame.getId(), frame.getAuth());
        }
      }
    }
  }

  /** A data frame received while the token is checked: held until {@code auth_ok}. */
  void hold(byte[] bytes) {
    if (pending.size() >= Gateway.MAX_PENDING_BEFORE_AUTH) {
      refuseUnauthenticated(
          "",
          ErrorCode.UNAUTHENTICATED,
          "more than " + Gateway.MAX_PENDING_BEFORE_AUTH + " frames before authOk");
      return;
    }
    pending.add(bytes);
  }

  private void refuseUnauthenticated(String id, ErrorCode code, String message) {
    node.meters().authFailed(AuthFailure.NOT_AUTHENTICATED);
    log.info("refused unauthenticated frame from {}: {} {}", link.remote(), code, message);
    out.write(Frames.error(id, code, message, 0));
    out.requestClose(CloseCode.NOT_AUTHENTICATED, "authenticate first");
  }

  private void authenticate(String id, Auth auth) {
    link.state(State.AUTHENTICATING);
    readPolicy.run();
    String token = auth.getToken();
    String expectedApp = auth.getApp();
    String device = clip(auth.getDevice(), Ids.MAX_ID_LENGTH);
    try {
      node.blocking().execute(() -> verify(id, token, expectedApp, device));
    } catch (RejectedExecutionException e) {
      out.requestClose(CloseCode.GOING_AWAY, "server shutting down");
    }
  }

  /** Runs on a virtual thread: the token check may load the app, the user check the store. */
  private void verify(String id, String token, String expectedApp, String device) {
    AuthThrottle throttle = node.throttle();
    try {
      long wait = throttle.retryAfterMillis(link.remoteIp(), AuthThrottle.Surface.GATEWAY);
      if (wait > 0) {
        // Refused before the token is looked at: a guesser learns nothing faster than the refill.
        throw new WarblerException(ErrorCode.RATE_LIMITED, throttle.message(wait), wait);
      }
      VerifiedToken verified;
      try {
        verified = node.tokens().verifyToken(token);
      } catch (WarblerException e) {
        if (e.code() == ErrorCode.TOKEN_INVALID) {
          throttle.failed(link.remoteIp(), AuthThrottle.Surface.GATEWAY);
        }
        throw e;
      }
      Principal who = verified.principal();
      if (!expectedApp.isEmpty() && !expectedApp.equals(who.app())) {
        throw new WarblerException(
            ErrorCode.WRONG_APP,
            "the token belongs to another app than '" + clip(expectedApp, 64) + "'");
      }
      // USER_ID_RETIRED for a deleted user's token (close 4103), USER_NOT_FOUND otherwise.
      node.directory().requireUserForCredentials(who.app(), who.user());
      // Banned user, revoked token: in-memory lookups, no store access.
      node.access().check(verified);
      takeUserSlot(who);
      long expiresAt = verified.expiresAt();
      // The user's groups, for the session's group index: loaded after the arrival starts, so a
      // membership change racing with this load is replayed when the session is added.
      Sessions.Arrival arrival = node.sessions().arriving(who.app(), who.user());
      Set<String> groups;
      try {
        // Again, now that a delete sees this arrival: a delete that ran since the check above is
        // caught here, a later one makes Sessions.add refuse the connection.
        node.directory().requireUserForCredentials(who.app(), who.user());
        groups = node.groups().groupsOf(who.app(), who.user());
      } catch (RuntimeException e) {
        node.sessions().cancel(arrival);
        throw e;
      }
      if (!link.tryOnLoop(() -> authenticated(id, verified, device, expiresAt, arrival, groups))) {
        node.sessions().cancel(arrival);
      }
    } catch (WarblerException e) {
      if (!e.code().retryable()) {
        node.audit()
            .failure(
                TokenService.unverifiedApp(token),
                Audit.ANONYMOUS,
                link.remoteIp(),
                Audit.AUTH_FAILED,
                "",
                AuditEvent.DENIED,
                e.code().name());
      }
      link.onLoop(() -> authFailed(id, e));
    } catch (RuntimeException e) {
      log.warn("auth check failed unexpectedly", e);
      link.onLoop(() -> authFailed(id, new WarblerException(ErrorCode.INTERNAL, "internal error")));
    }
  }

  private void authFailed(String id, WarblerException e) {
    if (link.state() != State.AUTHENTICATING) {
      return;
    }
    node.meters()
        .authFailed(
            switch (e.code()) {
              case TOKEN_INVALID -> AuthFailure.TOKEN_INVALID;
              case TOKEN_EXPIRED -> AuthFailure.TOKEN_EXPIRED;
              case WRONG_APP -> AuthFailure.WRONG_APP;
              case USER_NOT_FOUND, USER_ID_RETIRED -> AuthFailure.USER_NOT_FOUND;
              case USER_BANNED -> AuthFailure.USER_BANNED;
              case TOKEN_REVOKED -> AuthFailure.TOKEN_REVOKED;
              case RATE_LIMITED -> AuthFailure.THROTTLED;
              default -> AuthFailure.OTHER;
            });
    if (e.code() == ErrorCode.RATE_LIMITED) {
      // A guesser's address: the throttle counters show it, one line per attempt would not help.
      log.debug("auth throttled for {}: {}", link.remote(), e.getMessage());
      pending.clear();
      out.write(Frames.error(id, e));
      out.requestClose(CloseCode.TRY_AGAIN_LATER, "too many failed authentications; retry later");
      return;
    }
    if (e.code() == ErrorCode.LIMIT_EXCEEDED) {
      // Not the client's fault, so not INFO-worthy per attempt: the refusal counter shows it.
      log.debug("auth refused for {}: {}", link.remote(), e.getMessage());
      pending.clear();
      out.write(Frames.error(id, e));
      out.requestClose(CloseCode.TOO_MANY_CONNECTIONS, String.valueOf(e.getMessage()));
      return;
    }
    log.info("auth refused for {}: {} {}", link.remote(), e.code(), e.getMessage());
    pending.clear();
    out.write(Frames.error(id, e));
    CloseCode code =
        switch (e.code()) {
          case TOKEN_EXPIRED -> CloseCode.TOKEN_EXPIRED;
          case TOKEN_REVOKED -> CloseCode.TOKEN_REVOKED;
          case USER_BANNED -> CloseCode.USER_BANNED;
          case USER_ID_RETIRED -> CloseCode.USER_REMOVED;
          case RATE_LIMITED -> CloseCode.TRY_AGAIN_LATER;
          default -> e.code().retryable() ? CloseCode.INTERNAL_ERROR : CloseCode.AUTH_FAILED;
        };
    out.requestClose(code, String.valueOf(e.getMessage()));
  }

  private void authenticated(
      String id,
      VerifiedToken verified,
      String device,
      long expiresAt,
      Sessions.Arrival arrival,
      Set<String> groups) {
    Channel ch = link.channel();
    if (link.state() != State.AUTHENTICATING || link.closing() || ch == null) {
      node.sessions().cancel(arrival);
      return;
    }
    Link.cancel(authTimer);
    Principal who = verified.principal();
    Session s =
        new Session(
            who.app(),
            who.user(),
            node.sessionIds().next(),
            link.encoding(),
            verified.id(),
            node.rates().subject(who.app(), who.user()),
            out,
            node.encodings(),
            node.traces());
    // Registered before auth_ok is written: a delivery racing with this task is queued on this
    // event loop behind auth_ok, and one stored after the client saw auth_ok is never missed.
    // Refused when the user was deleted while this connection was on its way in.
    if (!node.sessions().add(s, arrival, groups)) {
      authFailed(
          id,
          new WarblerException(
              ErrorCode.USER_ID_RETIRED,
              "user '" + who.user() + "' was deleted; its id is never used again"));
      return;
    }
    link.session(s);
    link.state(State.AUTHENTICATED);
    // A ban or revocation that landed after the check above, but whose close pass ran before this
    // session was registered, is caught here: either it sees the session or this sees it.
    try {
      node.access().check(verified);
    } catch (WarblerException e) {
      out.write(Frames.error(id, e));
      out.requestClose(
          e.code() == ErrorCode.USER_BANNED ? CloseCode.USER_BANNED : CloseCode.TOKEN_REVOKED,
          String.valueOf(e.getMessage()));
      return;
    }
    GatewayConfig config = node.config();
    out.write(
        ServerFrame.newBuilder()
            .setId(id)
            .setAuthOk(
                AuthOk.newBuilder()
                    .setApp(who.app())
                    .setUser(who.user())
                    .setSession(s.id())
                    .setServerTime(node.clock().millis())
                    .setIdleTimeoutSeconds(ceilSeconds(config.idleTimeout().toMillis()))
                    .setMaxFrameBytes(config.maxFrameBytes())
                    .setMaxMessageBytes(node.maxMessageBytes()))
            .build());
    if (expiresAt != Long.MAX_VALUE) {
      long delay = Math.max(0, expiresAt - node.clock().millis());
      expiryTimer =
          link.schedule(
              () -> out.requestClose(CloseCode.TOKEN_EXPIRED, "the token expired"), delay);
    }
    log.debug("session {} of {}/{} on {} ({})", s.id(), s.app(), s.user(), link.remote(), device);
    while (!pending.isEmpty() && !link.closing()) {
      requests.serve(pending.poll());
    }
    pending.clear();
    rate.flush();
    readPolicy.run();
  }

  /** Virtual thread, at auth: takes the user's connection slot or refuses with 4107. */
  private void takeUserSlot(Principal who) {
    String key = who.app() + "/" + who.user();
    if (!node.slots().tryAcquire(key)) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "user '"
              + who.user()
              + "' has "
              + node.slots().limit()
              + " connections open already (gateway.max-connections-per-user)");
    }
    userSlot.set(key);
    if (link.closing()) {
      releaseUserSlot(); // closed meanwhile: channelInactive may have run before the set
    }
  }

  /** Any thread, idempotent: gives the user's connection slot back. */
  void releaseUserSlot() {
    String key = userSlot.getAndSet(null);
    if (key != null) {
      node.slots().release(key);
    }
  }

  private static int ceilSeconds(long millis) {
    return (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
  }

  private static String bodyName(ClientFrame frame) {
    return frame.getBodyCase() == ClientFrame.BodyCase.BODY_NOT_SET
        ? "a frame with no known body"
        : frame.getBodyCase().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String clip(String s, int max) {
    return s.length() > max ? s.substring(0, max) : s;
  }
}
