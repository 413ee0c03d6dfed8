package dev.warbler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.core.WarblerException;
import dev.warbler.core.access.Access;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.access.VerifiedToken;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.directory.ProfileChange;
import dev.warbler.core.directory.ProfilePage;
import dev.warbler.core.directory.Profiles;
import dev.warbler.core.directory.User;
import dev.warbler.core.directory.UserProfile;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Users and their tokens: creating, reading, listing, updating (profile) and deleting users, and
 * issuing user tokens for the WebSocket. A banned user gets no token; deletes and tokens are
 * audited.
 */
final class UserRoutes {
  private static final long DEFAULT_TOKEN_TTL_SECONDS = 86_400;

  private final ApiSupport api;
  private final Directory directory;
  private final Profiles profiles;
  private final Sessions sessions;
  private final TokenService tokens;
  private final Access access;
  private final long tokenMaxTtlSeconds;

  UserRoutes(
      ApiSupport api,
      Directory directory,
      Profiles profiles,
      Sessions sessions,
      TokenService tokens,
      Access access,
      long tokenMaxTtlSeconds) {
    this.api = api;
    this.directory = directory;
    this.profiles = profiles;
    this.sessions = sessions;
    this.tokens = tokens;
    this.access = access;
    this.tokenMaxTtlSeconds = tokenMaxTtlSeconds;
  }

  List<Route> routes() {
    String user = "/v1/apps/{app}/users/{user}";
    return List.of(
        new Route("POST", "/v1/apps/{app}/users", "createUser", this::create),
        new Route("GET", "/v1/apps/{app}/users", "listUsers", this::list),
        new Route("GET", user, "getUser", this::get),
        new Route("PATCH", user, "updateUser", this::update),
        new Route("DELETE", user, "deleteUser", this::delete),
        new Route("POST", user + "/tokens", "issueUserToken", this::issueToken));
  }

  private void create(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.CreateUser body = api.read(ctx, Dtos.CreateUser.class);
    String id = ApiSupport.required("id", body.id());
    User user = directory.createUser(app.id(), id, ApiSupport.orEmpty(body.name()));
    api.send(
        ctx,
        201,
        view(new UserProfile(app.id(), user.id(), user.name(), "", "{}", user.createdAt(), 0)));
  }

  private void get(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, view(profiles.profile(app.id(), ctx.pathParam("user"))));
  }

  private Dtos.UserView view(UserProfile p) {
    JsonNode custom;
    try {
      custom = api.json().readTree(p.custom());
    } catch (JsonProcessingException e) {
      custom = api.json().createObjectNode();
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

  private void update(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.UpdateUser body = api.read(ctx, Dtos.UpdateUser.class);
    List<ProfileChange> changes = profileChanges(api.json(), body);
    api.send(ctx, 200, view(profiles.update(app.id(), ctx.pathParam("user"), changes)));
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

  private void list(Context ctx) {
    App app = api.authorizeApp(ctx);
    String cursor = ApiSupport.orEmpty(ctx.queryParam("cursor"));
    int limit = ApiSupport.limitParam(ctx.queryParam("limit"), 0);
    ProfilePage page = profiles.list(app.id(), cursor, limit);
    api.send(
        ctx, 200, Dtos.Page.of(page.items().stream().map(this::view).toList(), page.nextCursor()));
  }

  private void delete(Context ctx) {
    App app = api.authorizeApp(ctx);
    directory.deleteUser(app.id(), ctx.pathParam("user"));
    api.audit(ctx, app.id(), Audit.USER_DELETE, ctx.pathParam("user"), "");
    ctx.status(204);
  }

  private void issueToken(Context ctx) {
    App app = api.authorizeApp(ctx);
    String user = ctx.pathParam("user");
    directory.requireUserForCredentials(app.id(), user);
    Dtos.IssueToken body =
        ctx.bodyAsBytes().length == 0
            ? new Dtos.IssueToken(null)
            : api.read(ctx, Dtos.IssueToken.class);
    long ttl = ttlSeconds(body, tokenMaxTtlSeconds);
    access.requireNotBanned(app.id(), user);
    String token =
        tokens.issue(app, user, Duration.ofSeconds(ttl), access.issuedAtFloor(app.id(), user));
    VerifiedToken issued = tokens.verifyToken(token);
    api.audit(ctx, app.id(), Audit.TOKEN_ISSUE, user, "jti=" + issued.id() + " ttl=" + ttl);
    api.send(ctx, 201, new Dtos.TokenIssued(token, app.id(), user, issued.expiresAt()));
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
}
