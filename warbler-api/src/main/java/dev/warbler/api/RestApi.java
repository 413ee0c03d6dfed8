package dev.warbler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.warbler.core.Services;
import dev.warbler.core.WarblerException;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.messaging.Templates;
import dev.warbler.core.webhooks.BeforeSendHooks;
import dev.warbler.core.webhooks.Webhooks;
import dev.warbler.protocol.ErrorCode;
import io.javalin.Javalin;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API. Callers authenticate with {@code Authorization: Bearer KEY}, where KEY is the root
 * admin key (every route) or an app's API secret (that app's routes only). Every error is an {@code
 * application/problem+json} document carrying the shared error catalog's code.
 *
 * <p>This class holds the route table, the Javalin configuration, the error handlers and the
 * lifecycle ({@link #start}, {@link #close}); the operations live in one route class per
 * capability, each with the core services it uses and the shared plumbing of {@link ApiSupport}.
 * Javalin runs every request on a virtual thread.
 */
public final class RestApi implements AutoCloseable {
  public static final String VERSION = "0.1.0";
  private static final Logger log = LoggerFactory.getLogger(RestApi.class);

  private final ApiConfig config;
  private final ApiSupport api;
  private final List<Route> routes;
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
      AuthThrottle authThrottle,
      Webhooks webhooks,
      BeforeSendHooks beforeSend) {
    this(
        config,
        services,
        adminKey,
        metrics,
        ready,
        templates,
        rates,
        authThrottle,
        OpenTelemetry.noop(),
        webhooks,
        beforeSend);
  }

  /** As above; sends ({@code POST /v1/apps/{app}/messages}) make spans with {@code telemetry}. */
  public RestApi(
      ApiConfig config,
      Services services,
      String adminKey,
      Supplier<String> metrics,
      BooleanSupplier ready,
      Templates templates,
      RateLimiter rates,
      AuthThrottle authThrottle,
      OpenTelemetry telemetry,
      Webhooks webhooks,
      BeforeSendHooks beforeSend) {
    this.config = config;
    this.api =
        new ApiSupport(
            config.trustedProxies(),
            adminKey,
            services.directory(),
            rates,
            authThrottle,
            services.audit(),
            ApiSupport.mapper());
    List<Route> all = new ArrayList<>();
    all.addAll(new NodeRoutes(api, config, metrics, ready, () -> tls != null).routes());
    all.addAll(new AppRoutes(api, services.directory(), services.encryption()).routes());
    all.addAll(
        new UserRoutes(
                api,
                services.directory(),
                services.profiles(),
                services.sessions(),
                services.tokens(),
                services.access(),
                config.tokenMaxTtlSeconds())
            .routes());
    all.addAll(
        new GroupRoutes(api, services.groups(), services.directory(), services.clock()).routes());
    all.addAll(
        new MessageRoutes(
                api,
                services.directory(),
                services.messenger(),
                services.lifecycle(),
                templates,
                telemetry)
            .routes());
    all.addAll(new TemplateRoutes(api, templates).routes());
    all.addAll(new ModerationRoutes(api, services.moderation(), services.reviews()).routes());
    all.addAll(new WebhookRoutes(api, webhooks, beforeSend).routes());
    all.addAll(new ChatroomRoutes(api, services.chatrooms()).routes());
    all.addAll(new ConversationRoutes(api, services.conversations()).routes());
    all.addAll(new ContactRoutes(api, services.contacts()).routes());
    all.addAll(
        new SignalRoutes(api, services.directory(), services.receipts(), services.presence())
            .routes());
    all.addAll(new UsageRoutes(api, services.metering(), services.clock()).routes());
    all.addAll(
        new AccessRoutes(
                api, services.directory(), services.access(), services.tokens(), services.audit())
            .routes());
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
          cfg.routes.exception(WarblerException.class, (e, ctx) -> api.problem(ctx, e));
          cfg.routes.exception(
              Exception.class,
              (e, ctx) -> {
                if (e instanceof CompletionException ce
                    && ce.getCause() instanceof WarblerException w) {
                  api.problem(ctx, w);
                  return;
                }
                if (clientGone(e)) {
                  // The caller stopped sending (or a request deadline cut it off) mid-body.
                  log.debug("request {} {}: connection lost: {}", ctx.method(), ctx.path(), e);
                  api.problem(
                      ctx,
                      new WarblerException(ErrorCode.BAD_REQUEST, "request not received in full"));
                  return;
                }
                log.warn("request {} {} failed", ctx.method(), ctx.path(), e);
                api.problem(ctx, new WarblerException(ErrorCode.INTERNAL, "internal error"));
              });
          cfg.routes.error(
              404,
              "*",
              ctx -> {
                if (ctx.attribute(ApiSupport.PROBLEM_WRITTEN) == null) {
                  api.problem(
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
                api.problem(
                    ctx,
                    new WarblerException(
                        ErrorCode.METHOD_NOT_ALLOWED,
                        "method "
                            + ctx.method()
                            + " not allowed on "
                            + ApiSupport.clip(ctx.path())
                            + (allowed.isEmpty() ? "" : "; allowed: " + allowed)));
              });
          cfg.routes.error(
              413,
              "*",
              ctx ->
                  api.problem(
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
}
