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
import dev.warbler.core.Caller;
import dev.warbler.core.CursorPage;
import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.TrustedProxies;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plumbing every route class shares: authorization (the root admin key or an app's API secret,
 * the app keys' REST rate bucket, the failed-authentication throttle), {@code
 * application/problem+json} answers and the audit of refusals, request bodies and query parameters,
 * paging, the client address and the audit helper. One per {@link RestApi}; thread-safe, called on
 * Javalin's request threads (virtual threads).
 */
final class ApiSupport {
  private static final Logger log = LoggerFactory.getLogger(ApiSupport.class);

  /** The authenticated caller of a request, for the audit log. */
  static final String ACTOR = "warbler.actor";

  /** Marks a response that already holds a problem, so status handlers leave it alone. */
  static final String PROBLEM_WRITTEN = "warbler.problem";

  private final TrustedProxies proxies;
  private final byte[] adminKey;
  private final Directory directory;
  private final RateLimiter rates;
  private final AuthThrottle authThrottle;
  private final Audit audit;
  private final ObjectMapper json;

  /**
   * @param proxies whose {@code X-Forwarded-For} names the client ({@code http.trusted-proxies})
   * @param rates the REST bucket of each app key ({@code limits.rate.rest-*})
   * @param authThrottle failed authentications per client address ({@code limits.auth-failures.*})
   */
  ApiSupport(
      TrustedProxies proxies,
      String adminKey,
      Directory directory,
      RateLimiter rates,
      AuthThrottle authThrottle,
      Audit audit,
      ObjectMapper json) {
    this.proxies = proxies;
    this.adminKey = adminKey.getBytes(StandardCharsets.UTF_8);
    this.directory = directory;
    this.rates = rates;
    this.authThrottle = authThrottle;
    this.audit = audit;
    this.json = json;
  }

  /** The object mapper of request and response bodies. */
  ObjectMapper json() {
    return json;
  }

  // ---- authorization -----------------------------------------------------------------------

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

  boolean isAdmin(@Nullable String key) {
    return key != null && MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), adminKey);
  }

  /** Refuses every key but the root admin key: FORBIDDEN for an app's secret. */
  void requireAdmin(Context ctx) {
    String key = requireKey(ctx);
    if (!isAdmin(key)) {
      Optional<App> holder = appOfSecret(key);
      if (holder.isEmpty()) {
        throw invalidKey(ctx);
      }
      ctx.attribute(ACTOR, Audit.app(holder.get().id()));
      throw new WarblerException(ErrorCode.FORBIDDEN, "this operation needs the admin key");
    }
    ctx.attribute(ACTOR, Audit.ADMIN);
  }

  /** The app whose secret {@code key} is; empty for any other key. */
  Optional<App> appOfSecret(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    return directory.apps().stream()
        .filter(a -> MessageDigest.isEqual(k, a.secret().getBytes(StandardCharsets.UTF_8)))
        .findFirst();
  }

  /**
   * The app named in the path, if the caller holds the admin key or that app's secret. A call with
   * an app's secret draws a token of its REST bucket: past it, RATE_LIMITED (429, Retry-After).
   */
  App authorizeApp(Context ctx) {
    String key = requireKey(ctx);
    String appId = ctx.pathParam("app");
    if (isAdmin(key)) {
      ctx.attribute(ACTOR, Audit.ADMIN);
      return directory.app(appId);
    }
    Optional<App> named = directory.findApp(appId);
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

  // ---- answers -----------------------------------------------------------------------------

  /** Answers {@code body} as JSON with {@code status}. */
  void send(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response not serializable", e);
    }
  }

  /**
   * Answers {@code e} as {@code application/problem+json} with its catalog code, and {@code
   * Retry-After} when it has a retry time. Refusals are audited ({@link #auditRefusal}); only
   * server errors (5xx) are logged, at WARN.
   */
  void problem(Context ctx, WarblerException e) {
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
      audit.failure(
          app,
          Audit.ANONYMOUS,
          clientIp(ctx),
          Audit.API_AUTH_FAILED,
          target,
          AuditEvent.DENIED,
          code.name());
    } else if (Audit.isPermissionDenial(code)) {
      audit.failure(
          app,
          actor(ctx),
          clientIp(ctx),
          Audit.ACCESS_DENIED,
          target,
          AuditEvent.DENIED,
          code.name());
    }
  }

  // ---- audit and the client's address ------------------------------------------------------

  /** Who called, once authenticated ({@code admin} or {@code app:ID}); else anonymous. */
  String actor(Context ctx) {
    Object actor = ctx.attribute(ACTOR);
    return actor == null ? Audit.ANONYMOUS : actor.toString();
  }

  /**
   * The caller as the core's audited operations take it (group bans, history reads): {@link #actor}
   * and {@link #clientIp}, acting on {@code app}.
   */
  Caller caller(Context ctx, String app) {
    return new Caller(app, actor(ctx), clientIp(ctx));
  }

  /** Records an admin operation and waits until the entry is durable. */
  void audit(Context ctx, String app, String action, String target, String detail) {
    audit.recordDurably(app, actor(ctx), clientIp(ctx), action, target, detail);
  }

  /**
   * The client's address: the peer's, or with a peer in {@code http.trusted-proxies} the client
   * named by its {@code X-Forwarded-For}. Audit entries and the authentication throttle use it.
   */
  String clientIp(Context ctx) {
    return proxies.clientAddress(ctx.ip(), ctx.header("X-Forwarded-For"));
  }

  // ---- request bodies ----------------------------------------------------------------------

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

  static String required(String field, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, field + " is required");
    }
    return value;
  }

  static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }

  static int positive(String field, int value) {
    if (value <= 0) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, field + " must be positive but was " + value);
    }
    return value;
  }

  /** A message payload as stored: a JSON object or array as text, or empty. */
  String payload(@Nullable JsonNode payload) {
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

  /** Stored JSON text (a payload, custom settings) as a tree; null when empty or not JSON. */
  static @Nullable JsonNode tree(ObjectMapper json, String stored) {
    if (stored.isEmpty()) {
      return null;
    }
    try {
      return json.readTree(stored);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  // ---- query parameters and paging ---------------------------------------------------------

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
  static List<String> listParam(Context ctx, String name) {
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

  /**
   * A page in the uniform shape {@code {"items": [...], "nextCursor": "..."}}, {@code nextCursor}
   * absent on the last page.
   */
  static <T, V> Dtos.Page<V> page(CursorPage<T> page, Function<T, V> view) {
    return new Dtos.Page<>(
        page.items().stream().map(view).toList(), page.hasMore() ? page.nextCursor() : null);
  }

  /** A client's text in an error message: at most 80 characters. */
  static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
