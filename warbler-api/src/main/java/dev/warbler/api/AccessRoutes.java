package dev.warbler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.access.Access;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.access.VerifiedToken;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.audit.AuditQuery;
import dev.warbler.core.audit.AuditRecord;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.spi.AccessStore.UserAccess;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * App-wide bans, token revocation and the audit log. Bans and revocations close the affected
 * connections before the response (see {@link dev.warbler.core.access.Access}); every change is
 * audited.
 */
final class AccessRoutes {
  /** Largest page of {@code listAuditEvents}. */
  static final int AUDIT_PAGE_MAX = 1000;

  private static final int DEFAULT_PAGE = 100;

  /** Records read from the store at a time while streaming an export. */
  private static final int EXPORT_PAGE = 1_000;

  private static final int MAX_REASON_CHARS = 500;

  record BanUser(@Nullable String reason) {}

  record AccessView(
      String user, boolean banned, long bannedAt, String banReason, long tokensNotBefore) {}

  record RevokeToken(@Nullable String token) {}

  record AuditEntry(
      long seq,
      long time,
      String app,
      String actor,
      String ip,
      String action,
      String target,
      String outcome,
      String error,
      long count,
      String detail,
      long appSeq,
      boolean keyed,
      String prevHash,
      String hash) {}

  /**
   * An entry as an app's own secret sees it: numbered within the app ({@code seq} is the app's
   * sequence, without gaps), and without the chain, which only the server's key can check.
   */
  record AppAuditEntry(
      long seq,
      long time,
      String app,
      String actor,
      String ip,
      String action,
      String target,
      String outcome,
      String error,
      long count,
      String detail) {}

  private final ApiSupport api;
  private final Directory directory;
  private final Access access;
  private final TokenService tokens;
  private final Audit audit;
  private final ObjectMapper json;

  AccessRoutes(
      ApiSupport api, Directory directory, Access access, TokenService tokens, Audit audit) {
    this.api = api;
    this.directory = directory;
    this.access = access;
    this.tokens = tokens;
    this.audit = audit;
    this.json = api.json();
  }

  List<Route> routes() {
    String user = "/v1/apps/{app}/users/{user}";
    return List.of(
        new Route("GET", user + "/access", "getUserAccess", this::getAccess),
        new Route("PUT", user + "/ban", "banAppUser", this::ban),
        new Route("DELETE", user + "/ban", "unbanAppUser", this::unban),
        new Route("POST", user + "/tokens/revoke", "revokeUserTokens", this::revokeUserTokens),
        new Route("POST", "/v1/apps/{app}/tokens/revoke", "revokeToken", this::revokeToken),
        new Route("GET", "/v1/audit", "listAuditEvents", this::listAuditEvents));
  }

  private static AccessView view(UserAccess a) {
    return new AccessView(a.user(), a.banned(), a.bannedAt(), a.banReason(), a.tokensNotBefore());
  }

  private void getAccess(Context ctx) {
    App app = api.authorizeApp(ctx);
    String user = ctx.pathParam("user");
    directory.requireUser(app.id(), user);
    api.send(ctx, 200, view(access.state(app.id(), user)));
  }

  private void ban(Context ctx) {
    App app = api.authorizeApp(ctx);
    String user = ctx.pathParam("user");
    BanUser body = ctx.bodyAsBytes().length == 0 ? new BanUser(null) : api.read(ctx, BanUser.class);
    String reason = ApiSupport.orEmpty(body.reason());
    if (reason.length() > MAX_REASON_CHARS) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "reason must be at most " + MAX_REASON_CHARS + " characters");
    }
    directory.requireUser(app.id(), user);
    UserAccess a = access.ban(app.id(), user, reason);
    api.audit(ctx, app.id(), Audit.USER_BAN, user, reason);
    api.send(ctx, 200, view(a));
  }

  private void unban(Context ctx) {
    App app = api.authorizeApp(ctx);
    String user = ctx.pathParam("user");
    directory.requireUser(app.id(), user);
    boolean was = access.unban(app.id(), user);
    api.audit(ctx, app.id(), Audit.USER_UNBAN, user, was ? "" : "was not banned");
    ctx.status(204);
  }

  private void revokeUserTokens(Context ctx) {
    App app = api.authorizeApp(ctx);
    String user = ctx.pathParam("user");
    directory.requireUser(app.id(), user);
    long notBefore = access.revokeTokens(app.id(), user);
    api.audit(ctx, app.id(), Audit.USER_TOKENS_REVOKE, user, "tokensNotBefore=" + notBefore);
    api.send(ctx, 200, view(access.state(app.id(), user)));
  }

  private void revokeToken(Context ctx) {
    App app = api.authorizeApp(ctx);
    String token = ApiSupport.required("token", api.read(ctx, RevokeToken.class).token());
    VerifiedToken verified;
    try {
      verified = tokens.verifyToken(token);
    } catch (WarblerException e) {
      if (e.code() == ErrorCode.TOKEN_EXPIRED) {
        ctx.status(204); // expired: refused anyway, nothing to store
        return;
      }
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "token is not a valid token: " + e.getMessage());
    }
    if (!verified.principal().app().equals(app.id())) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "token belongs to another app");
    }
    access.revokeToken(verified);
    api.audit(
        ctx,
        app.id(),
        Audit.TOKEN_REVOKE,
        verified.principal().user(),
        "jti=" + verified.id() + " exp=" + verified.expiresAt());
    ctx.status(204);
  }

  /**
   * The audit log, oldest first: the admin key sees every app (filter with {@code app}), an app's
   * secret only its own. {@code format=jsonl} streams every matching entry as JSON lines instead of
   * a page.
   */
  private void listAuditEvents(Context ctx) {
    String key = api.requireKey(ctx);
    String app = ApiSupport.orEmpty(ctx.queryParam("app"));
    boolean admin = api.isAdmin(key);
    if (admin) {
      ctx.attribute(ApiSupport.ACTOR, Audit.ADMIN);
    } else {
      App own = api.appOfSecret(key).orElseThrow(() -> api.invalidKey(ctx));
      ctx.attribute(ApiSupport.ACTOR, Audit.app(own.id()));
      if (!app.isEmpty() && !app.equals(own.id())) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "an app's secret reads only that app's audit events");
      }
      app = own.id();
    }
    if (!app.isEmpty() && !Ids.valid(app)) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "app is not a valid id");
    }
    AuditQuery query =
        new AuditQuery(
            app,
            ApiSupport.orEmpty(ctx.queryParam("action")),
            ApiSupport.orEmpty(ctx.queryParam("actor")),
            ApiSupport.longParam(ctx, "since", 0),
            ApiSupport.longParam(ctx, "until", 0));
    // The admin pages by the global seq; an app by its own, so it never sees the others' gaps.
    AuditPages pages =
        admin
            ? (after, limit) -> audit.auditLog().list(query, after, limit)
            : (after, limit) -> audit.auditLog().listApp(query.app(), query, after, limit);
    Function<AuditRecord, Object> view = admin ? AccessRoutes::entry : AccessRoutes::appEntry;
    Function<AuditRecord, Long> position = admin ? AuditRecord::seq : AuditRecord::appSeq;
    String format = ApiSupport.orEmpty(ctx.queryParam("format"));
    if (format.equals("jsonl")) {
      export(ctx, pages, view, position);
      return;
    }
    if (!format.isEmpty() && !format.equals("json")) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "format must be json or jsonl");
    }
    long after = cursor(ctx.queryParam("cursor"));
    int limit = (int) ApiSupport.longParam(ctx, "limit", DEFAULT_PAGE);
    if (limit < 1 || limit > AUDIT_PAGE_MAX) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "limit must be 1-" + AUDIT_PAGE_MAX);
    }
    List<AuditRecord> page = pages.read(after, limit + 1);
    boolean more = page.size() > limit;
    List<AuditRecord> items = more ? page.subList(0, limit) : page;
    api.send(
        ctx,
        200,
        new Dtos.Page<>(
            items.stream().map(view).toList(),
            more ? Long.toString(position.apply(items.getLast())) : null));
  }

  /** Reads the records after a position, oldest first. */
  @FunctionalInterface
  private interface AuditPages {
    List<AuditRecord> read(long after, int limit);
  }

  private void export(
      Context ctx,
      AuditPages pages,
      Function<AuditRecord, Object> view,
      Function<AuditRecord, Long> position) {
    ctx.status(200).contentType("application/x-ndjson");
    try {
      OutputStream out = ctx.outputStream();
      long after = 0;
      while (true) {
        List<AuditRecord> page = pages.read(after, EXPORT_PAGE);
        for (AuditRecord r : page) {
          out.write(json.writeValueAsBytes(view.apply(r)));
          out.write('\n');
        }
        if (page.size() < EXPORT_PAGE) {
          break;
        }
        after = position.apply(page.getLast());
      }
      out.flush();
    } catch (IOException | UncheckedIOException e) {
      // The client went away mid-stream; nothing to answer.
    }
  }

  private static long cursor(@Nullable String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return 0;
    }
    try {
      long after = Long.parseLong(cursor);
      if (after < 0) {
        throw new NumberFormatException();
      }
      return after;
    } catch (NumberFormatException e) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "cursor is not valid");
    }
  }

  static AuditEntry entry(AuditRecord r) {
    AuditEvent e = r.event();
    return new AuditEntry(
        r.seq(),
        e.time(),
        e.app(),
        e.actor(),
        e.ip(),
        e.action(),
        e.target(),
        e.outcome(),
        e.error(),
        e.count(),
        e.detail(),
        r.appSeq(),
        r.keyed(),
        r.prevHash(),
        r.hash());
  }

  static AppAuditEntry appEntry(AuditRecord r) {
    AuditEvent e = r.event();
    return new AppAuditEntry(
        r.appSeq(),
        e.time(),
        e.app(),
        e.actor(),
        e.ip(),
        e.action(),
        e.target(),
        e.outcome(),
        e.error(),
        e.count(),
        e.detail());
  }
}
