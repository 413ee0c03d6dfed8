package dev.warbler.api;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.warbler.core.CursorPage;
import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.Services;
import dev.warbler.core.WarblerException;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.access.VerifiedToken;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.chatrooms.Chatroom;
import dev.warbler.core.chatrooms.ChatroomSent;
import dev.warbler.core.chatrooms.ChatroomStatus;
import dev.warbler.core.contacts.ContactEntry;
import dev.warbler.core.contacts.Relation;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.directory.ProfileChange;
import dev.warbler.core.directory.ProfilePage;
import dev.warbler.core.directory.User;
import dev.warbler.core.directory.UserProfile;
import dev.warbler.core.groups.Group;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageExtras;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.messaging.SendOptions;
import dev.warbler.core.messaging.SendRequest;
import dev.warbler.core.messaging.Template;
import dev.warbler.core.messaging.Templates;
import dev.warbler.core.metering.UsageReport;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API. Callers authenticate with {@code Authorization: Bearer KEY}, where KEY is the root
 * admin key (every route) or an app's API secret (that app's routes only). Every error is an {@code
 * application/problem+json} document carrying the shared error catalog's code.
 */
public final class RestApi implements AutoCloseable {
  public static final String VERSION = "0.1.0";
  private static final Logger log = LoggerFactory.getLogger(RestApi.class);
  private static final long DEFAULT_TOKEN_TTL_SECONDS = 86_400;
  private static final int DEFAULT_PAGE = 50;

  /** The authenticated caller of a request, for the audit log. */
  static final String ACTOR = "warbler.actor";

  /** Marks a response that already holds a problem, so status handlers leave it alone. */
  private static final String PROBLEM_WRITTEN = "warbler.problem";

  private final ApiConfig config;
  private final Services services;
  private final Templates templates;
  private final Directory directory;
  private final Messenger messenger;
  private final Sessions sessions;
  private final TokenService tokens;
  private final byte[] adminKey;
  private final Supplier<String> metrics;
  private final BooleanSupplier ready;
  private final ObjectMapper json = mapper();
  private final List<Route> routes;
  private final GroupRoutes groupRoutes;
  private final RateLimiter rates;
  private final AuthThrottle authThrottle;
  private final LocalHosts localHosts;
  private @Nullable Javalin javalin;
  private @Nullable ApiTls tls;
  private HttpTimeouts timeouts = HttpTimeouts.DEFAULTS;
  private @Nullable SlowRequestGuard deadlines;

  /**
   * @param rates the REST bucket of each app key ({@code limits.rate.rest-*}): a call made with an
   *     app's API secret past it is refused with 429 and {@code Retry-After}
   * @param authThrottle failed authentications per client address ({@code limits.auth-failures.*})
   */
  public RestApi(
      ApiConfig config,
      Services services,
      String adminKey,
      Supplier<String> metrics,
      BooleanSupplier ready,
      Templates templates,
      RateLimiter rates,
      AuthThrottle authThrottle) {
    this.rates = rates;
    this.authThrottle = authThrottle;
    this.localHosts = LocalHosts.of(config.allowedHosts());
    this.config = config;
    this.services = services;
    this.templates = templates;
    this.directory = services.directory();
    this.messenger = services.messenger();
    this.sessions = services.sessions();
    this.tokens = services.tokens();
    this.adminKey = adminKey.getBytes(StandardCharsets.UTF_8);
    this.metrics = metrics;
    this.ready = ready;
    this.groupRoutes = new GroupRoutes(this, services.groups(), services.clock(), json);
    List<Route> all = new ArrayList<>();
    all.addAll(
        List.of(
            new Route("GET", "/healthz", "getHealth", ctx -> ctx.result("ok")),
            new Route("GET", "/readyz", "getReadiness", this::readiness),
            new Route("GET", "/metrics", "getMetrics", this::metrics),
            new Route("GET", "/v1/discovery", "getDiscovery", this::discovery),
            new Route("POST", "/v1/apps", "createApp", this::createApp),
            new Route("GET", "/v1/apps/{app}", "getApp", this::getApp),
            new Route(
                "POST", "/v1/apps/{app}/secret/rotate", "rotateAppSecret", this::rotateSecret),
            new Route("GET", "/v1/apps/{app}/encryption", "getAppEncryption", this::getEncryption),
            new Route("PUT", "/v1/apps/{app}/encryption", "setAppEncryption", this::setEncryption),
            new Route(
                "POST",
                "/v1/apps/{app}/encryption/rotate",
                "rotateAppDataKey",
                this::rotateDataKey),
            new Route("POST", "/v1/apps/{app}/users", "createUser", this::createUser),
            new Route("GET", "/v1/apps/{app}/users/{user}", "getUser", this::getUser),
            new Route("DELETE", "/v1/apps/{app}/users/{user}", "deleteUser", this::deleteUser),
            new Route(
                "POST", "/v1/apps/{app}/users/{user}/tokens", "issueUserToken", this::issueToken),
            new Route("POST", "/v1/apps/{app}/groups", "createGroup", this::createGroup),
            new Route(
                "POST",
                "/v1/apps/{app}/groups/{group}/members",
                "addGroupMembers",
                this::addMembers),
            new Route(
                "DELETE",
                "/v1/apps/{app}/groups/{group}/members",
                "removeGroupMembers",
                this::removeMembers),
            new Route("POST", "/v1/apps/{app}/messages", "sendMessage", this::sendMessage),
            new Route(
                "GET",
                "/v1/apps/{app}/conversations/{conversation}/messages",
                "listMessages",
                this::listMessages),
            new Route("GET", "/v1/apps/{app}/templates", "listTemplates", this::listTemplates),
            new Route(
                "GET", "/v1/apps/{app}/templates/{template}", "getTemplate", this::getTemplate),
            new Route(
                "PUT", "/v1/apps/{app}/templates/{template}", "putTemplate", this::putTemplate),
            new Route(
                "POST",
                "/v1/apps/{app}/conversations/{conversation}/messages/{seq}/recall",
                "recallMessage",
                this::recallMessage),
            new Route(
                "POST",
                "/v1/apps/{app}/conversations/{conversation}/messages/{seq}/edit",
                "editMessage",
                this::editMessage),
            // ---- chatrooms, contacts, conversation list ----
            new Route("POST", "/v1/apps/{app}/chatrooms", "createChatroom", this::createChatroom),
            new Route("GET", "/v1/apps/{app}/chatrooms/{room}", "getChatroom", this::getChatroom),
            new Route(
                "DELETE",
                "/v1/apps/{app}/chatrooms/{room}",
                "deleteChatroom",
                this::deleteChatroom),
            new Route(
                "POST",
                "/v1/apps/{app}/chatrooms/{room}/messages",
                "sendChatroomMessage",
                this::sendChatroomMessage),
            new Route(
                "GET",
                "/v1/apps/{app}/users/{user}/conversations",
                "listConversations",
                this::listConversations),
            new Route(
                "GET",
                "/v1/apps/{app}/users/{user}/conversations/{conversation}",
                "getConversation",
                this::getConversation),
            new Route(
                "PATCH",
                "/v1/apps/{app}/users/{user}/conversations/{conversation}",
                "updateConversation",
                this::updateConversation),
            new Route(
                "GET", "/v1/apps/{app}/users/{user}/friends", "listFriends", this::listFriends),
            new Route("POST", "/v1/apps/{app}/users/{user}/friends", "addFriend", this::addFriend),
            new Route(
                "DELETE",
                "/v1/apps/{app}/users/{user}/friends/{friend}",
                "removeFriend",
                this::removeFriend),
            new Route(
                "GET", "/v1/apps/{app}/users/{user}/blocks", "listBlockedUsers", this::listBlocked),
            new Route("POST", "/v1/apps/{app}/users/{user}/blocks", "blockUser", this::blockUser),
            new Route(
                "DELETE",
                "/v1/apps/{app}/users/{user}/blocks/{blocked}",
                "unblockUser",
                this::unblockUser),
            // ---- receipts, presence, user profiles and usage
            new Route("GET", "/v1/apps/{app}/users", "listUsers", this::listUsers),
            new Route("PATCH", "/v1/apps/{app}/users/{user}", "updateUser", this::updateUser),
            new Route(
                "POST",
                "/v1/apps/{app}/conversations/{conversation}/read",
                "markRead",
                this::markRead),
            new Route("GET", "/v1/apps/{app}/presence", "getPresence", this::getPresence),
            new Route("GET", "/v1/apps/{app}/usage", "getUsage", this::getUsage)));
    all.addAll(groupRoutes.routes());
    all.addAll(new AccessRoutes(this, services, json).routes());
    this.routes = List.copyOf(all);
  }

  /** Every operation this API serves; docs/openapi.yaml must describe exactly these. */
  public List<Route> routes() {
    return routes;
  }

  /**
   * Serves HTTPS with {@code tls} instead of HTTP on the same port, and makes discovery announce
   * {@code wss://}; call before {@link #start()}.
   */
  public void enableTls(ApiTls tls) {
    if (javalin != null) {
      throw new IllegalStateException("TLS must be enabled before the REST API starts");
    }
    this.tls = tls;
  }

  /** Sets the connection deadlines (default {@link HttpTimeouts#DEFAULTS}); call before start. */
  public RestApi useTimeouts(HttpTimeouts timeouts) {
    this.timeouts = timeouts;
    return this;
  }

  /** Binds and returns the port. */
  public int start() {
    ApiTls https = tls;
    SlowRequestGuard guard = new SlowRequestGuard(timeouts);
    this.deadlines = guard;
    org.eclipse.jetty.server.Server[] jetty = new org.eclipse.jetty.server.Server[1];
    Javalin app =
        Javalin.create(cfg -> {
          cfg.jetty.host = config.host();
          cfg.jetty.port = config.port();
          if (https != null) {
            // With a connector of our own Javalin adds no plain HTTP one.
            cfg.jetty.addConnector(
                (server, http) -> https.connector(server, http, config.host(), config.port()));
          }
          cfg.jetty.modifyServer(server -> jetty[0] = server);
          // Every connector, whoever made it: idle timeout and request deadlines.
          cfg.events.serverStarting(() -> {
            for (org.eclipse.jetty.server.Connector c : jetty[0].getConnectors()) {
              if (c instanceof org.eclipse.jetty.server.AbstractConnector connector) {
                connector.setIdleTimeout(timeouts.idle().toMillis());
              }
              c.addEventListener(guard);
            }
          });
          cfg.http.maxRequestSize = config.maxBodyBytes();
          // A route that exists with another method answers 405 with Allow, not 404.
          cfg.http.prefer405over404 = true;
          // Every response: never sniffed into another type; /v1 answers (app secrets, user
          // tokens, history) never kept by a browser or a shared cache.
          cfg.routes.before(ctx -> {
            ctx.header("X-Content-Type-Options", "nosniff");
            if (ctx.path().startsWith("/v1/")) {
              ctx.header("Cache-Control", "no-store");
            }
          });
          cfg.concurrency.useVirtualThreads = true;
          cfg.startup.showJavalinBanner = false;
          cfg.startup.showOldJavalinVersionWarning = false;
          for (Route r : routes) {
            switch (r.method()) {
              case "GET" -> cfg.routes.get(r.path(), r.handler());
              case "POST" -> cfg.routes.post(r.path(), r.handler());
              case "DELETE" -> cfg.routes.delete(r.path(), r.handler());
              case "PUT" -> cfg.routes.put(r.path(), r.handler());
              case "PATCH" -> cfg.routes.patch(r.path(), r.handler());
              default -> throw new IllegalStateException("unsupported method " + r.method());
            }
          }
          cfg.routes.exception(WarblerException.class, (e, ctx) -> problem(ctx, e));
          cfg.routes.exception(
              Exception.class,
              (e, ctx) -> {
                if (e instanceof CompletionException ce
                    && ce.getCause() instanceof WarblerException w) {
                  problem(ctx, w);
                  return;
                }
                if (clientGone(e)) {
                  // The caller stopped sending (or a request deadline cut it off) mid-body.
                  log.debug("request {} {}: connection lost: {}", ctx.method(), ctx.path(), e);
                  problem(
                      ctx,
                      new WarblerException(ErrorCode.BAD_REQUEST, "request not received in full"));
                  return;
                }
                log.warn("request {} {} failed", ctx.method(), ctx.path(), e);
                problem(ctx, new WarblerException(ErrorCode.INTERNAL, "internal error"));
              });
          cfg.routes.error(
              404,
              "*",
              ctx -> {
                if (ctx.attribute(PROBLEM_WRITTEN) == null) {
                  problem(
                      ctx,
                      new WarblerException(
                          ErrorCode.NOT_FOUND, "no route " + ctx.method() + " " + ctx.path()));
                }
              });
          cfg.routes.error(
              405,
              "*",
              ctx -> {
                String allowed = allowedMethods(ctx.path());
                if (!allowed.isEmpty()) {
                  ctx.header("Allow", allowed);
                }
                problem(
                    ctx,
                    new WarblerException(
                        ErrorCode.METHOD_NOT_ALLOWED,
                        "method "
                            + ctx.method()
                            + " not allowed on "
                            + clip(ctx.path())
                            + (allowed.isEmpty() ? "" : "; allowed: " + allowed)));
              });
          cfg.routes.error(
              413,
              "*",
              ctx ->
                  problem(
                      ctx,
                      new WarblerException(
                          ErrorCode.MESSAGE_TOO_LARGE,
                          "request body exceeds api.max-body-bytes ("
                              + config.maxBodyBytes()
                              + ")")));
        });
    guard.start();
    app.start();
    this.javalin = app;
    return app.port();
  }

  /** The methods of the routes whose path template matches {@code path}, e.g. "GET, PATCH". */
  private String allowedMethods(String path) {
    String[] parts = path.split("/", -1);
    java.util.TreeSet<String> methods = new java.util.TreeSet<>();
    for (Route r : routes) {
      String[] template = r.path().split("/", -1);
      if (template.length != parts.length) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < parts.length && match; i++) {
        match = template[i].startsWith("{") || template[i].equals(parts[i]);
      }
      if (match) {
        methods.add(r.method());
      }
    }
    return String.join(", ", methods);
  }

  /** True when {@code e} is the connection failing under a request (an I/O error). */
  private static boolean clientGone(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException && !(t instanceof JsonProcessingException)) {
        return true;
      }
    }
    return false;
  }

  /** Connections closed because a request missed its header or body deadline. */
  public long slowRequestsClosed() {
    SlowRequestGuard guard = deadlines;
    return guard == null ? 0 : guard.closed();
  }

  @Override
  public void close() {
    Javalin app = javalin;
    if (app != null) {
      app.stop();
    }
    SlowRequestGuard guard = deadlines;
    if (guard != null) {
      guard.close();
    }
  }

  // ---- operations --------------------------------------------------------------------------

  private void readiness(Context ctx) {
    if (ready.getAsBoolean()) {
      ctx.result("ready");
    } else {
      ctx.status(HttpStatus.SERVICE_UNAVAILABLE).result("not ready");
    }
  }

  private void metrics(Context ctx) {
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.get());
  }

  /**
   * Where the WebSocket is: {@code http.public-websocket-url} when set (what production should do).
   * Otherwise derived from the request, but only from a host this node knows to be itself
   * (loopback, its own addresses, {@code http.allowed-hosts}), so a forged {@code Host} cannot send
   * clients elsewhere; behind a proxy in {@code http.trusted-proxies}, its {@code
   * X-Forwarded-Proto} and {@code X-Forwarded-Host} say what the client used.
   */
  private void discovery(Context ctx) {
    String ws = config.publicWebSocketUrl();
    if (ws.isEmpty()) {
      boolean proxied = config.trustedProxies().trusts(ctx.ip());
      String forwardedHost = proxied ? firstHop(ctx.header("X-Forwarded-Host")) : null;
      String forwardedProto = proxied ? firstHop(ctx.header("X-Forwarded-Proto")) : null;
      String hostHeader = forwardedHost != null ? forwardedHost : ctx.header("Host");
      String host = LocalHosts.hostOnly(hostHeader == null ? "127.0.0.1" : hostHeader);
      if (!localHosts.allows(host)) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "discovery will not announce a WebSocket URL on host '"
                + clip(host)
                + "': it is not this node's address; set http.public-websocket-url (or add the"
                + " host to http.allowed-hosts)");
      }
      boolean secure =
          forwardedProto != null ? forwardedProto.equalsIgnoreCase("https") : tls != null;
      ws =
          (secure ? "wss://" : "ws://")
              + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
              + ":"
              + config.webSocketPort()
              + config.webSocketPath();
    }
    send(
        ctx,
        200,
        new Dtos.Discovery(
            ws, Arrays.stream(Encoding.values()).map(Encoding::subprotocol).toList(), VERSION));
  }

  /** The first value of a comma-separated forwarded header (the client-facing hop), or null. */
  private static @Nullable String firstHop(@Nullable String header) {
    if (header == null) {
      return null;
    }
    String first = header.split(",", 2)[0].strip();
    return first.isEmpty() ? null : first;
  }

  private void createApp(Context ctx) {
    requireAdmin(ctx);
    Dtos.CreateApp body = read(ctx, Dtos.CreateApp.class);
    boolean encrypt = Boolean.TRUE.equals(body.encryptAtRest());
    if (encrypt) {
      services.encryption().requireMasterKey();
    }
    App app = directory.createApp(required("id", body.id()), orEmpty(body.name()));
    audit(ctx, app.id(), Audit.APP_CREATE, app.id(), encrypt ? "encryptAtRest" : "");
    if (encrypt) {
      services.encryption().setEnabled(app.id(), true);
    }
    send(
        ctx,
        201,
        new Dtos.AppCreated(app.id(), app.name(), app.secret(), app.createdAt(), encrypt));
  }

  private void getApp(Context ctx) {
    App app = authorizeApp(ctx);
    send(
        ctx,
        200,
        new Dtos.AppView(
            app.id(),
            app.name(),
            app.createdAt(),
            services.encryption().status(app.id()).enabled()));
  }

  /** The admin key or the app's own secret may rotate it (the caller learns the new one). */
  private void rotateSecret(Context ctx) {
    App app = authorizeApp(ctx);
    String end = ctx.queryParam("endSessions");
    if (end != null && !end.equals("true") && !end.equals("false")) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "endSessions must be true or false");
    }
    boolean endSessions = "true".equals(end);
    App rotated = services.directory().rotateSecret(app.id(), endSessions);
    audit(ctx, app.id(), Audit.APP_SECRET_ROTATE, app.id(), "endSessions=" + endSessions);
    send(
        ctx,
        200,
        new Dtos.AppCreated(
            rotated.id(),
            rotated.name(),
            rotated.secret(),
            rotated.createdAt(),
            services.encryption().status(app.id()).enabled()));
  }

  /** Encryption at rest of an app (ADR 0011): root admin only, like creating apps. */
  private void getEncryption(Context ctx) {
    App app = authorizeApp(ctx);
    requireAdmin(ctx);
    send(ctx, 200, encryptionView(services.encryption().status(app.id())));
  }

  private void setEncryption(Context ctx) {
    App app = authorizeApp(ctx);
    requireAdmin(ctx);
    Dtos.SetEncryption body = read(ctx, Dtos.SetEncryption.class);
    if (body.enabled() == null) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "enabled is required");
    }
    AtRestEncryption.Status status = services.encryption().setEnabled(app.id(), body.enabled());
    audit(ctx, app.id(), Audit.APP_ENCRYPTION, app.id(), "enabled=" + body.enabled());
    send(ctx, 200, encryptionView(status));
  }

  private void rotateDataKey(Context ctx) {
    App app = authorizeApp(ctx);
    requireAdmin(ctx);
    AtRestEncryption.Status status = services.encryption().rotate(app.id());
    audit(ctx, app.id(), Audit.APP_DATA_KEY_ROTATE, app.id(), "keyVersion=" + status.keyVersion());
    send(ctx, 200, encryptionView(status));
  }

  private static Dtos.EncryptionView encryptionView(AtRestEncryption.Status s) {
    return new Dtos.EncryptionView(
        s.app(), s.enabled(), s.keyVersion(), s.keyVersions(), s.masterKeyConfigured());
  }

  private void createUser(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.CreateUser body = read(ctx, Dtos.CreateUser.class);
    String id = required("id", body.id());
    User user = directory.createUser(app.id(), id, orEmpty(body.name()));
    send(
        ctx,
        201,
        userView(new UserProfile(app.id(), user.id(), user.name(), "", "{}", user.createdAt(), 0)));
  }

  private void getUser(Context ctx) {
    App app = authorizeApp(ctx);
    send(ctx, 200, userView(services.profiles().profile(app.id(), ctx.pathParam("user"))));
  }

  private Dtos.UserView userView(UserProfile p) {
    JsonNode custom;
    try {
      custom = json.readTree(p.custom());
    } catch (JsonProcessingException e) {
      custom = json.createObjectNode();
    }
    return new Dtos.UserView(
        p.id(),
        p.name(),
        p.avatarUrl(),
        custom,
        p.createdAt(),
        sessions.online(p.app(), p.id()),
        p.lastSeen());
  }

  private void updateUser(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.UpdateUser body = read(ctx, Dtos.UpdateUser.class);
    List<ProfileChange> changes = profileChanges(json, body);
    send(ctx, 200, userView(services.profiles().update(app.id(), ctx.pathParam("user"), changes)));
  }

  /** The changes an {@code updateUser} body asks for. */
  static List<ProfileChange> profileChanges(ObjectMapper json, Dtos.UpdateUser body) {
    List<ProfileChange> changes = new ArrayList<>();
    if (body.name() != null) {
      changes.add(new ProfileChange.Name(body.name()));
    }
    if (body.avatarUrl() != null) {
      changes.add(new ProfileChange.AvatarUrl(body.avatarUrl()));
    }
    JsonNode custom = body.custom();
    if (custom != null) {
      if (custom.isNull()) {
        changes.add(new ProfileChange.Custom("{}"));
      } else if (custom.isObject()) {
        try {
          changes.add(new ProfileChange.Custom(json.writeValueAsString(custom)));
        } catch (JsonProcessingException e) {
          throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "custom is not serializable");
        }
      } else {
        throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "custom must be a JSON object");
      }
    }
    return changes;
  }

  private void listUsers(Context ctx) {
    App app = authorizeApp(ctx);
    String cursor = orEmpty(ctx.queryParam("cursor"));
    int limit = limitParam(ctx.queryParam("limit"), 0);
    ProfilePage page = services.profiles().list(app.id(), cursor, limit);
    send(
        ctx,
        200,
        Dtos.Page.of(page.items().stream().map(this::userView).toList(), page.nextCursor()));
  }

  private void markRead(Context ctx) {
    App app = authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    Dtos.MarkRead body = read(ctx, Dtos.MarkRead.class);
    String user = Ids.require("user", required("user", body.user()));
    directory.requireUser(app.id(), user);
    long seq = readSeq(body);
    ConversationState state =
        services.receipts().markRead(new Principal(app.id(), user), conversation, seq);
    send(
        ctx,
        200,
        new Dtos.ReadStateView(
            conversation.toString(),
            user,
            state.readSeq(),
            state.unread(),
            state.mentioned(),
            state.settings().pinned(),
            state.settings().muted(),
            state.settings().archived(),
            customJson(state)));
  }

  /** The seq a {@code markRead} body reads up to; absent means everything. */
  static long readSeq(Dtos.MarkRead body) {
    long seq = body.seq() == null ? Long.MAX_VALUE : body.seq();
    if (seq < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "seq must be >= 0");
    }
    return seq;
  }

  private void getPresence(Context ctx) {
    App app = authorizeApp(ctx);
    List<String> users = listParam(ctx, "users");
    send(
        ctx,
        200,
        new Dtos.Page<>(
            services.presence().presence(app.id(), users).stream()
                .map(p -> new Dtos.PresenceView(p.user(), p.online(), p.lastSeen()))
                .toList(),
            null));
  }

  private void getUsage(Context ctx) {
    App app = authorizeApp(ctx);
    YearMonth month = monthParam(ctx.queryParam("month"), services.clock().millis());
    UsageReport r = services.metering().report(app.id(), month);
    send(
        ctx,
        200,
        new Dtos.UsageView(
            r.app(),
            r.month().toString(),
            r.users(),
            r.dailyActiveUsers(),
            r.monthlyActiveUsers(),
            r.messagesSent(),
            r.peakConnections(),
            r.storedBytes(),
            r.days().stream()
                .map(d ->
                    new Dtos.UsageDay(
                        d.day().toString(), d.activeUsers(), d.messages(), d.peakConnections()))
                .toList()));
  }

  /** The {@code month} query parameter; absent means the month of {@code nowMillis} (UTC). */
  static YearMonth monthParam(@Nullable String param, long nowMillis) {
    if (param == null || param.isEmpty()) {
      return YearMonth.from(Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC));
    }
    try {
      return YearMonth.parse(param);
    } catch (DateTimeParseException e) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "query parameter month must look like 2026-11 but was '" + clip(param) + "'");
    }
  }

  private void deleteUser(Context ctx) {
    App app = authorizeApp(ctx);
    directory.deleteUser(app.id(), ctx.pathParam("user"));
    audit(ctx, app.id(), Audit.USER_DELETE, ctx.pathParam("user"), "");
    ctx.status(204);
  }

  private void issueToken(Context ctx) {
    App app = authorizeApp(ctx);
    String user = ctx.pathParam("user");
    directory.requireUserForCredentials(app.id(), user);
    Dtos.IssueToken body =
        ctx.bodyAsBytes().length == 0
            ? new Dtos.IssueToken(null)
            : read(ctx, Dtos.IssueToken.class);
    long ttl = ttlSeconds(body, config.tokenMaxTtlSeconds());
    services.access().requireNotBanned(app.id(), user);
    String token =
        tokens.issue(
            app, user, Duration.ofSeconds(ttl), services.access().issuedAtFloor(app.id(), user));
    VerifiedToken issued = tokens.verifyToken(token);
    audit(ctx, app.id(), Audit.TOKEN_ISSUE, user, "jti=" + issued.id() + " ttl=" + ttl);
    send(ctx, 201, new Dtos.TokenIssued(token, app.id(), user, issued.expiresAt()));
  }

  /** The lifetime an {@code issueUserToken} body asks for, within {@code maxTtlSeconds}. */
  static long ttlSeconds(Dtos.IssueToken body, long maxTtlSeconds) {
    long ttl = body.ttlSeconds() == null ? DEFAULT_TOKEN_TTL_SECONDS : body.ttlSeconds();
    if (ttl <= 0 || ttl > maxTtlSeconds) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "ttlSeconds must be 1-" + maxTtlSeconds + " (api.token-max-ttl-seconds)");
    }
    return ttl;
  }

  private void createGroup(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.CreateGroup body = read(ctx, Dtos.CreateGroup.class);
    String owner = required("owner", body.owner());
    Group g =
        services
            .groups()
            .create(
                app.id(),
                required("id", body.id()),
                GroupAdmin.BACKEND,
                owner,
                body.members() == null ? List.of() : body.members(),
                groupRoutes.profile(body))
            .group();
    send(ctx, 201, groupView(g));
  }

  private Dtos.GroupView groupView(Group g) {
    return new Dtos.GroupView(
        g.id(),
        g.name(),
        g.owner(),
        sorted(directory.members(g.app(), g.id())),
        g.createdAt(),
        g.conversation().toString());
  }

  private void addMembers(Context ctx) {
    App app = authorizeApp(ctx);
    String group = ctx.pathParam("group");
    Dtos.UserList body = read(ctx, Dtos.UserList.class);
    List<String> users = body.users() == null ? List.of() : body.users();
    if (users.isEmpty()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "users must list at least one user");
    }
    List<String> added = directory.addMembers(app.id(), group, users);
    send(ctx, 200, new Dtos.MembersAdded(added, sorted(directory.members(app.id(), group))));
  }

  private void removeMembers(Context ctx) {
    App app = authorizeApp(ctx);
    String group = ctx.pathParam("group");
    List<String> users = listParam("users", ctx.queryParam("users"));
    List<String> removed = directory.removeMembers(app.id(), group, users);
    send(ctx, 200, new Dtos.MembersRemoved(removed, sorted(directory.members(app.id(), group))));
  }

  private static List<String> sorted(Collection<String> users) {
    return users.stream().sorted().toList();
  }

  private void sendMessage(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.SendMessage body = read(ctx, Dtos.SendMessage.class);
    String sender = body.from() == null ? Messenger.SYSTEM_SENDER : body.from();
    if (!sender.isEmpty()) {
      Ids.require("from", sender);
      directory.requireUser(app.id(), sender);
    }
    SendRequest.Target target = target(body);
    MessageType type = type(body.type(), sender.isEmpty() ? MessageType.SYSTEM : MessageType.TEXT);
    String payload = payload(body.payload());
    String text = orEmpty(body.text());
    if (body.template() != null) {
      if (body.text() != null || body.payload() != null) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "a template message takes template and fields, not text or payload");
      }
      Map<String, String> fields = body.fields() == null ? Map.of() : body.fields();
      text = templates.render(app.id(), Ids.require("template", body.template()), fields);
      payload = payload(json.valueToTree(Map.of("template", body.template(), "fields", fields)));
    }
    String clientMsgId =
        body.clientMsgId() == null ? "api-" + UUID.randomUUID() : body.clientMsgId();
    AppendResult result =
        messenger
            .send(
                app.id(),
                sender,
                new SendRequest(
                    target,
                    clientMsgId,
                    type,
                    text,
                    payload,
                    new SendOptions(
                        body.replyTo() == null ? 0 : body.replyTo(),
                        body.mentions() == null ? List.of() : body.mentions(),
                        Boolean.TRUE.equals(body.mentionAll()),
                        "")))
            .join();
    send(ctx, 201, ack(result));
  }

  private void listTemplates(Context ctx) {
    App app = authorizeApp(ctx);
    send(
        ctx,
        200,
        new Dtos.TemplateList(templates.list(app.id()).stream().map(RestApi::view).toList()));
  }

  private void getTemplate(Context ctx) {
    App app = authorizeApp(ctx);
    send(ctx, 200, view(templates.require(app.id(), ctx.pathParam("template"))));
  }

  private void putTemplate(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.PutTemplate body = read(ctx, Dtos.PutTemplate.class);
    send(
        ctx,
        200,
        view(templates.put(app.id(), ctx.pathParam("template"), required("text", body.text()))));
  }

  private static Dtos.TemplateView view(Template t) {
    return new Dtos.TemplateView(
        t.id(), t.text(), List.copyOf(Templates.fieldsOf(t.text())), t.updatedAt() == 0);
  }

  private static Dtos.SendAck ack(AppendResult result) {
    ChatMessage m = result.message();
    return new Dtos.SendAck(
        m.conversation().toString(),
        m.seq(),
        m.id(),
        m.sentAt(),
        result.duplicate(),
        m.clientMsgId());
  }

  /**
   * Recalls a message: as the user {@code by} (its sender within the recall window, or a group
   * moderator), or without {@code by} as the app backend, which may recall any message at any time.
   * Answers the ack of the CHANGE entry (duplicate when it was recalled already).
   */
  private void recallMessage(Context ctx) {
    App app = authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    long seq = seqParam(ctx);
    Dtos.RecallMessage body =
        ctx.bodyAsBytes().length == 0
            ? new Dtos.RecallMessage(null)
            : read(ctx, Dtos.RecallMessage.class);
    MessageLifecycle lifecycle = services.lifecycle();
    AppendResult result =
        body.by() == null
            ? lifecycle.recallAsSystem(app.id(), conversation, seq).join()
            : lifecycle.recall(user(app, body.by()), conversation, seq).join();
    send(ctx, 200, ack(result));
  }

  /** Edits a message as its sender {@code by}; answers the ack of the CHANGE entry. */
  private void editMessage(Context ctx) {
    App app = authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    long seq = seqParam(ctx);
    Dtos.EditMessage body = read(ctx, Dtos.EditMessage.class);
    Principal by = user(app, required("by", body.by()));
    AppendResult result =
        services
            .lifecycle()
            .edit(by, conversation, seq, orEmpty(body.text()), payload(body.payload()))
            .join();
    send(ctx, 200, ack(result));
  }

  /** A user of the app acting through the API; USER_NOT_FOUND if there is none. */
  private Principal user(App app, String id) {
    Ids.require("by", id);
    directory.requireUser(app.id(), id);
    return new Principal(app.id(), id);
  }

  private static long seqParam(Context ctx) {
    return seqParam(ctx.pathParam("seq"));
  }

  /** A message's seq in a path: a positive integer. */
  static long seqParam(String v) {
    try {
      long seq = Long.parseLong(v);
      if (seq <= 0) {
        throw new NumberFormatException();
      }
      return seq;
    } catch (NumberFormatException e) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "seq must be a positive integer but was '"
              + (v.length() > 24 ? v.substring(0, 24) + "..." : v)
              + "'");
    }
  }

  static SendRequest.Target target(Dtos.SendMessage body) {
    int given =
        (body.to() == null ? 0 : 1)
            + (body.group() == null ? 0 : 1)
            + (body.conversation() == null ? 0 : 1);
    if (given != 1) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "give exactly one of to, group or conversation");
    }
    if (body.to() != null) {
      return new SendRequest.Target.ToUser(Ids.require("to", body.to()));
    }
    if (body.group() != null) {
      return new SendRequest.Target.ToGroup(Ids.require("group", body.group()));
    }
    return new SendRequest.Target.ToConversation(
        ConversationId.parse(required("conversation", body.conversation())));
  }

  static MessageType type(@Nullable String name, MessageType fallback) {
    if (name == null) {
      return fallback;
    }
    try {
      return MessageType.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "type must be one of TEXT, MARKDOWN, CUSTOM, SYSTEM but was '" + name + "'");
    }
  }

  private String payload(@Nullable JsonNode payload) {
    return payload(json, payload);
  }

  /** A message payload as stored: a JSON object or array as text, or empty. */
  static String payload(ObjectMapper json, @Nullable JsonNode payload) {
    if (payload == null || payload.isNull()) {
      return "";
    }
    if (!payload.isObject() && !payload.isArray()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "payload must be a JSON object or array");
    }
    try {
      return json.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "payload is not serializable");
    }
  }

  private void listMessages(Context ctx) {
    App app = authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    long before = longParam(ctx, "before", 0);
    int limit = limitParam(ctx.queryParam("limit"), DEFAULT_PAGE);
    MessagePage page = messenger.historyUnchecked(app.id(), conversation, before, limit);
    services
        .audit()
        .record(
            app.id(),
            actor(ctx),
            clientIp(ctx),
            Audit.HISTORY_READ,
            conversation.toString(),
            "before=" + before + " limit=" + limit + " returned=" + page.messages().size());
    send(
        ctx,
        200,
        new Dtos.MessageList(
            conversation.toString(),
            page.messages().stream().map(this::view).toList(),
            page.more()));
  }

  private Dtos.MessageView view(ChatMessage m) {
    MessageExtras x = m.extras();
    return new Dtos.MessageView(
        m.conversation().toString(),
        m.seq(),
        m.id(),
        m.clientMsgId(),
        m.sender(),
        m.type().name(),
        m.text(),
        json(m.payload()),
        m.sentAt(),
        x.replyTo() > 0 ? x.replyTo() : null,
        x.mentions().isEmpty() ? null : x.mentions(),
        x.mentionAll() ? true : null,
        x.forwardedFrom().isEmpty() ? null : x.forwardedFrom(),
        x.recalled() ? true : null,
        x.editedAt() > 0 ? x.editedAt() : null,
        x.reactions().isEmpty()
            ? null
            : x.reactions().stream().map(r -> new Dtos.Reaction(r.emoji(), r.count())).toList(),
        x.change().map(this::changeView).orElse(null),
        x.undecryptable() ? true : null);
  }

  private Dtos.ChangeView changeView(MessageChange c) {
    return switch (c.action()) {
      case MessageChange.Action.Recall r ->
          new Dtos.ChangeView(c.targetSeq(), new Dtos.RecallView(), null, null);
      case MessageChange.Action.Edit e ->
          new Dtos.ChangeView(
              c.targetSeq(),
              null,
              new Dtos.EditView(e.text(), json(e.payload()), e.editedAt()),
              null);
      case MessageChange.Action.Reaction r ->
          new Dtos.ChangeView(
              c.targetSeq(), null, null, new Dtos.ReactionView(r.emoji(), r.added(), r.count()));
    };
  }

  /** A stored JSON payload as a tree; null when there is none. */
  private @Nullable JsonNode json(String payload) {
    if (payload.isEmpty()) {
      return null;
    }
    try {
      return json.readTree(payload);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  // ---- chatrooms, contacts, conversation list -----------------------------------------------

  private void createChatroom(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.CreateChatroom body = read(ctx, Dtos.CreateChatroom.class);
    Chatroom room =
        services
            .chatrooms()
            .create(
                app.id(),
                required("id", body.id()),
                orEmpty(body.name()),
                body.maxMembers() == null ? 0 : positive("maxMembers", body.maxMembers()));
    send(ctx, 201, chatroomView(services.chatrooms().status(app.id(), room.id())));
  }

  private void getChatroom(Context ctx) {
    App app = authorizeApp(ctx);
    send(ctx, 200, chatroomView(services.chatrooms().status(app.id(), ctx.pathParam("room"))));
  }

  private void deleteChatroom(Context ctx) {
    App app = authorizeApp(ctx);
    services.chatrooms().delete(app.id(), ctx.pathParam("room"));
    ctx.status(204);
  }

  private static Dtos.ChatroomView chatroomView(ChatroomStatus s) {
    Chatroom r = s.room();
    return new Dtos.ChatroomView(
        r.id(),
        r.name(),
        r.maxMembers(),
        r.createdAt(),
        r.conversation().toString(),
        s.present(),
        s.epoch(),
        s.lastSeq());
  }

  private void sendChatroomMessage(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.SendChatroomMessage body = read(ctx, Dtos.SendChatroomMessage.class);
    String sender = body.from() == null ? Messenger.SYSTEM_SENDER : body.from();
    MessageType type = type(body.type(), sender.isEmpty() ? MessageType.SYSTEM : MessageType.TEXT);
    String clientMsgId =
        body.clientMsgId() == null ? "api-" + UUID.randomUUID() : body.clientMsgId();
    String room = ctx.pathParam("room");
    ChatroomSent sent =
        services
            .chatrooms()
            .sendAs(
                app.id(),
                sender,
                room,
                new SendRequest(
                    new SendRequest.Target.ToConversation(ConversationId.room(room)),
                    clientMsgId,
                    type,
                    orEmpty(body.text()),
                    payload(body.payload())));
    ChatMessage m = sent.result().message();
    send(
        ctx,
        201,
        new Dtos.ChatroomSendAck(
            m.conversation().toString(),
            m.seq(),
            m.id(),
            m.sentAt(),
            sent.result().duplicate(),
            m.clientMsgId(),
            sent.epoch()));
  }

  private void listConversations(Context ctx) {
    App app = authorizeApp(ctx);
    CursorPage<ConversationState> page =
        services
            .conversations()
            .list(
                app.id(),
                ctx.pathParam("user"),
                orEmpty(ctx.queryParam("cursor")),
                limitParam(ctx.queryParam("limit"), 0));
    send(ctx, 200, page(page, this::conversationView));
  }

  private void getConversation(Context ctx) {
    App app = authorizeApp(ctx);
    ConversationState state =
        services
            .conversations()
            .get(
                app.id(),
                ctx.pathParam("user"),
                ConversationId.parse(ctx.pathParam("conversation")));
    send(ctx, 200, conversationView(state));
  }

  private void updateConversation(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.UpdateConversation body = read(ctx, Dtos.UpdateConversation.class);
    ConversationState state =
        services
            .conversations()
            .update(
                app.id(),
                ctx.pathParam("user"),
                ConversationId.parse(ctx.pathParam("conversation")),
                conversationChange(json, body));
    send(ctx, 200, conversationView(state));
  }

  /** The settings an {@code updateConversation} body changes. */
  static ConversationSettings.Change conversationChange(
      ObjectMapper json, Dtos.UpdateConversation body) {
    ConversationSettings.Change change = ConversationSettings.Change.none();
    if (body.pinned() != null) {
      change = change.withPinned(body.pinned());
    }
    if (body.muted() != null) {
      change = change.withMuted(body.muted());
    }
    if (body.archived() != null) {
      change = change.withArchived(body.archived());
    }
    JsonNode custom = body.custom();
    if (custom != null) {
      if (!custom.isNull() && !custom.isObject()) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT, "custom must be a JSON object, or null to clear it");
      }
      change = change.withCustom(custom.isNull() ? "" : payload(json, custom));
    }
    return change;
  }

  /** The user's custom settings object, or null when not set. */
  private @Nullable JsonNode customJson(ConversationState s) {
    if (s.settings().custom().isEmpty()) {
      return null;
    }
    try {
      return json.readTree(s.settings().custom());
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private Dtos.ConversationView conversationView(ConversationState s) {
    JsonNode custom = customJson(s);
    return new Dtos.ConversationView(
        s.conversation().toString(),
        s.lastSeq(),
        s.readSeq(),
        s.unread(),
        s.mentioned(),
        s.lastMessage().map(this::view).orElse(null),
        s.settings().pinned(),
        s.settings().muted(),
        s.settings().archived(),
        custom);
  }

  private void listFriends(Context ctx) {
    App app = authorizeApp(ctx);
    CursorPage<ContactEntry> page =
        services
            .contacts()
            .friends(
                app.id(),
                ctx.pathParam("user"),
                orEmpty(ctx.queryParam("cursor")),
                limitParam(ctx.queryParam("limit"), 0));
    send(ctx, 200, page(page, e -> new Dtos.ContactView(e.user(), e.since())));
  }

  private void addFriend(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.UserRef body = read(ctx, Dtos.UserRef.class);
    send(
        ctx,
        200,
        relationView(
            services
                .contacts()
                .addFriend(app.id(), ctx.pathParam("user"), required("user", body.user()))));
  }

  private void removeFriend(Context ctx) {
    App app = authorizeApp(ctx);
    services.contacts().removeFriend(app.id(), ctx.pathParam("user"), ctx.pathParam("friend"));
    ctx.status(204);
  }

  private void listBlocked(Context ctx) {
    App app = authorizeApp(ctx);
    CursorPage<ContactEntry> page =
        services
            .contacts()
            .blocked(
                app.id(),
                ctx.pathParam("user"),
                orEmpty(ctx.queryParam("cursor")),
                limitParam(ctx.queryParam("limit"), 0));
    send(ctx, 200, page(page, e -> new Dtos.ContactView(e.user(), e.since())));
  }

  private void blockUser(Context ctx) {
    App app = authorizeApp(ctx);
    Dtos.UserRef body = read(ctx, Dtos.UserRef.class);
    send(
        ctx,
        200,
        relationView(
            services
                .contacts()
                .block(app.id(), ctx.pathParam("user"), required("user", body.user()))));
  }

  private void unblockUser(Context ctx) {
    App app = authorizeApp(ctx);
    services.contacts().unblock(app.id(), ctx.pathParam("user"), ctx.pathParam("blocked"));
    ctx.status(204);
  }

  private static Dtos.RelationView relationView(Relation r) {
    return new Dtos.RelationView(
        r.user(), r.friend(), r.requestSent(), r.requestReceived(), r.blocked());
  }

  private static <T, V> Dtos.Page<V> page(CursorPage<T> page, Function<T, V> view) {
    return new Dtos.Page<>(
        page.items().stream().map(view).toList(), page.hasMore() ? page.nextCursor() : null);
  }

  static int positive(String field, int value) {
    if (value <= 0) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, field + " must be positive but was " + value);
    }
    return value;
  }

  // ---- plumbing ----------------------------------------------------------------------------

  static long longParam(Context ctx, String name, long fallback) {
    return longParam(name, ctx.queryParam(name), fallback);
  }

  /** A non-negative integer query parameter; absent or empty means {@code fallback}. */
  static long longParam(String name, @Nullable String v, long fallback) {
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "query parameter " + name + " must be a non-negative integer but was '" + v + "'");
    }
  }

  /**
   * The {@code limit} query parameter as a page size: a larger number than an int holds asks for as
   * many as allowed, not for a negative page.
   */
  static int limitParam(@Nullable String v, int fallback) {
    return (int) Math.min(Integer.MAX_VALUE, longParam("limit", v, fallback));
  }

  /** A comma-separated query parameter that must list at least one value. */
  private static List<String> listParam(Context ctx, String name) {
    return listParam(name, ctx.queryParam(name));
  }

  static List<String> listParam(String name, @Nullable String param) {
    List<String> values =
        param == null
            ? List.of()
            : Arrays.stream(param.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    if (values.isEmpty()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "query parameter " + name + " must list at least one " + name.replaceAll("s$", ""));
    }
    return values;
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  static String required(String field, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, field + " is required");
    }
    return value;
  }

  static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }

  <T> T read(Context ctx, Class<T> type) {
    return parse(json, ctx.bodyAsBytes(), type);
  }

  /** The object mapper of request and response bodies. */
  static ObjectMapper mapper() {
    ObjectMapper json =
        new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    // A null inside a list or map ({"users":[null]}) is refused here: the core takes null-free
    // lists and maps, and would fail with a NullPointerException (a 500) further on.
    json.setDefaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
    return json;
  }

  /**
   * A request body as {@code type}; every malformed body is BAD_REQUEST naming what is wrong. The
   * one path every REST body takes (fuzzed by RestBodiesFuzzTest).
   */
  static <T> T parse(ObjectMapper json, byte[] body, Class<T> type) {
    if (body.length == 0) {
      throw new WarblerException(ErrorCode.BAD_REQUEST, "a JSON request body is required");
    }
    try {
      T value = json.readValue(body, type);
      if (value == null) {
        throw new WarblerException(ErrorCode.BAD_REQUEST, "the request body must be an object");
      }
      return value;
    } catch (UnrecognizedPropertyException e) {
      throw new WarblerException(
          ErrorCode.BAD_REQUEST, "unknown field '" + e.getPropertyName() + "'");
    } catch (InvalidNullException e) {
      throw new WarblerException(
          ErrorCode.BAD_REQUEST, "field '" + path(e) + "' must not contain null");
    } catch (MismatchedInputException e) {
      throw new WarblerException(
          ErrorCode.BAD_REQUEST, "field '" + path(e) + "' has the wrong type");
    } catch (JsonProcessingException e) {
      throw new WarblerException(ErrorCode.BAD_REQUEST, notJson(e));
    } catch (IOException e) {
      throw new WarblerException(ErrorCode.BAD_REQUEST, "the request body is not valid JSON");
    }
  }

  /**
   * "the request body is not valid JSON at line 1 column 12: what", with Jackson's description when
   * it names no class (its type errors do; those are caught above as wrong types).
   */
  private static String notJson(JsonProcessingException e) {
    StringBuilder m = new StringBuilder("the request body is not valid JSON");
    com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
    if (at != null && at.getLineNr() > 0) {
      m.append(" at line ").append(at.getLineNr()).append(" column ").append(at.getColumnNr());
    }
    String what = String.valueOf(e.getOriginalMessage());
    int newline = what.indexOf('\n');
    what = newline < 0 ? what : what.substring(0, newline);
    if (!what.isBlank()
        && !what.contains("Exception")
        && !java.util.regex.Pattern.compile("\\b(java|javax|com|org|io|dev)\\.[a-z]|`|\\[Source")
            .matcher(what)
            .find()) {
      m.append(": ").append(what.length() > 160 ? what.substring(0, 160) + "..." : what);
    }
    return m.toString();
  }

  /** Where in the body a mapping error is: {@code members.[1]}, or {@code body}. */
  private static String path(MismatchedInputException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() == null ? "[" + r.getIndex() + "]" : r.getFieldName())
        .reduce((a, b) -> a + "." + b)
        .orElse("body");
  }

  void send(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response not serializable", e);
    }
  }

  private void problem(Context ctx, WarblerException e) {
    ctx.attribute(PROBLEM_WRITTEN, true);
    ErrorCode code = e.code();
    auditRefusal(ctx, code);
    if (code.httpStatus() >= 500) {
      log.warn("{} {} -> {}: {}", ctx.method(), ctx.path(), code, e.getMessage());
    }
    if (e.retryAfterMillis() > 0) {
      // Whole seconds (RFC 9110), rounded up so that a client waiting that long is not refused.
      ctx.header("Retry-After", Long.toString((e.retryAfterMillis() + 999) / 1000));
    }
    try {
      ctx.status(code.httpStatus())
          .contentType(Problem.CONTENT_TYPE)
          .result(json.writeValueAsBytes(Problem.of(code, e.getMessage(), e.retryAfterMillis())));
    } catch (JsonProcessingException ex) {
      ctx.status(500).result("internal error");
    }
  }

  /**
   * Failed authentication (a missing, unknown or other app's key) and permission denials go to the
   * audit log, coalesced per source (see {@link Audit#failure}); never blocks.
   */
  private void auditRefusal(Context ctx, ErrorCode code) {
    String app = ctx.pathParamMap().getOrDefault("app", "");
    if (!Ids.valid(app)) {
      app = "";
    }
    String target = ctx.method() + " " + clip(ctx.path());
    if (code == ErrorCode.UNAUTHENTICATED || code == ErrorCode.WRONG_APP) {
      services
          .audit()
          .failure(
              app,
              Audit.ANONYMOUS,
              clientIp(ctx),
              Audit.API_AUTH_FAILED,
              target,
              AuditEvent.DENIED,
              code.name());
    } else if (Audit.isPermissionDenial(code)) {
      services
          .audit()
          .failure(
              app,
              actor(ctx),
              clientIp(ctx),
              Audit.ACCESS_DENIED,
              target,
              AuditEvent.DENIED,
              code.name());
    }
  }

  /** Who called, once authenticated ({@code admin} or {@code app:ID}); else anonymous. */
  String actor(Context ctx) {
    Object actor = ctx.attribute(ACTOR);
    return actor == null ? Audit.ANONYMOUS : actor.toString();
  }

  /** Records an admin operation and waits until the entry is durable. */
  void audit(Context ctx, String app, String action, String target, String detail) {
    services.audit().recordDurably(app, actor(ctx), clientIp(ctx), action, target, detail);
  }

  @Nullable String bearer(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).trim();
  }

  /**
   * The request's key; UNAUTHENTICATED without one, RATE_LIMITED (before the key is looked at)
   * while the caller's address is throttled for failed authentications ({@link AuthThrottle}).
   */
  String requireKey(Context ctx) {
    String key = bearer(ctx);
    if (key == null) {
      throw new WarblerException(ErrorCode.UNAUTHENTICATED, "Authorization: Bearer KEY required");
    }
    long wait = authThrottle.retryAfterMillis(clientIp(ctx), AuthThrottle.Surface.REST);
    if (wait > 0) {
      throw new WarblerException(ErrorCode.RATE_LIMITED, authThrottle.message(wait), wait);
    }
    return key;
  }

  /** A key that is nobody's: counted against the caller's address, then UNAUTHENTICATED. */
  WarblerException invalidKey(Context ctx) {
    authThrottle.failed(clientIp(ctx), AuthThrottle.Surface.REST);
    return new WarblerException(ErrorCode.UNAUTHENTICATED, "the key is not valid");
  }

  /**
   * The client's address: the peer's, or with a peer in {@code http.trusted-proxies} the client
   * named by its {@code X-Forwarded-For}. Audit entries and the authentication throttle use it.
   */
  String clientIp(Context ctx) {
    return config.trustedProxies().clientAddress(ctx.ip(), ctx.header("X-Forwarded-For"));
  }

  boolean isAdmin(@Nullable String key) {
    return key != null && MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), adminKey);
  }

  private void requireAdmin(Context ctx) {
    String key = requireKey(ctx);
    if (!isAdmin(key)) {
      java.util.Optional<App> holder = appOfSecret(key);
      if (holder.isEmpty()) {
        throw invalidKey(ctx);
      }
      ctx.attribute(ACTOR, Audit.app(holder.get().id()));
      throw new WarblerException(ErrorCode.FORBIDDEN, "this operation needs the admin key");
    }
    ctx.attribute(ACTOR, Audit.ADMIN);
  }

  /** The app whose secret {@code key} is; empty for any other key. */
  java.util.Optional<App> appOfSecret(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    return directory.apps().stream()
        .filter(a -> MessageDigest.isEqual(k, a.secret().getBytes(StandardCharsets.UTF_8)))
        .findFirst();
  }

  /** The app named in the path, if the caller holds the admin key or that app's secret. */
  App authorizeApp(Context ctx) {
    String key = requireKey(ctx);
    String appId = ctx.pathParam("app");
    if (isAdmin(key)) {
      ctx.attribute(ACTOR, Audit.ADMIN);
      return directory.app(appId);
    }
    java.util.Optional<App> named = directory.findApp(appId);
    if (named.isPresent()
        && MessageDigest.isEqual(
            key.getBytes(StandardCharsets.UTF_8),
            named.get().secret().getBytes(StandardCharsets.UTF_8))) {
      App app = named.get();
      ctx.attribute(ACTOR, Audit.app(app.id()));
      RateLimiter.Refusal refusal = rates.acquireRest(app.id());
      if (refusal != null) {
        throw new WarblerException(
            ErrorCode.RATE_LIMITED, refusal.message(), refusal.retryAfterMillis());
      }
      return app;
    }
    if (appOfSecret(key).isEmpty()) {
      throw invalidKey(ctx);
    }
    // Another app's valid key: not a guess. A missing app answers like a wrong key, so that app
    // ids cannot be probed with a key of one's own.
    throw named.isPresent()
        ? new WarblerException(ErrorCode.WRONG_APP, "the key belongs to another app")
        : new WarblerException(ErrorCode.UNAUTHENTICATED, "the key is not valid");
  }
}
