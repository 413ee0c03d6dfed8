package dev.warbler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.groups.Group;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupPage;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.GroupResult;
import dev.warbler.core.groups.GroupRole;
import dev.warbler.core.groups.GroupUpdate;
import dev.warbler.core.groups.GroupView;
import dev.warbler.core.groups.InvitePolicy;
import dev.warbler.core.groups.JoinPolicy;
import dev.warbler.core.groups.JoinRequest;
import dev.warbler.core.groups.Membership;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The group operations of the REST API. The app backend acts with the owner's rights ({@link
 * GroupAdmin#BACKEND}); listings use the uniform cursor pagination {@code {"items": [...],
 * "nextCursor": "..."}} with {@code nextCursor} absent on the last page.
 */
final class GroupRoutes {
  private static final Set<String> UPDATE_FIELDS =
      Set.of("name", "avatarUrl", "description", "custom", "muteAll", "joinPolicy", "invitePolicy");

  private final ApiSupport api;
  private final GroupAdmin groups;
  private final Directory directory;
  private final InstantSource clock;
  private final ObjectMapper json;

  GroupRoutes(ApiSupport api, GroupAdmin groups, Directory directory, InstantSource clock) {
    this.api = api;
    this.groups = groups;
    this.directory = directory;
    this.clock = clock;
    this.json = api.json();
  }

  List<Route> routes() {
    String group = "/v1/apps/{app}/groups/{group}";
    return List.of(
        new Route("POST", "/v1/apps/{app}/groups", "createGroup", this::create),
        new Route("POST", group + "/members", "addGroupMembers", this::addMembers),
        new Route("DELETE", group + "/members", "removeGroupMembers", this::removeMembers),
        new Route("GET", group, "getGroup", this::get),
        new Route("PATCH", group, "updateGroup", this::update),
        new Route("DELETE", group, "deleteGroup", this::delete),
        new Route("GET", group + "/members", "listGroupMembers", this::members),
        new Route("PUT", group + "/members/{user}/role", "setMemberRole", this::setRole),
        new Route("PUT", group + "/members/{user}/mute", "muteMember", this::mute),
        new Route("DELETE", group + "/members/{user}/mute", "unmuteMember", this::unmute),
        new Route("PUT", group + "/owner", "transferOwnership", this::transfer),
        new Route("PUT", group + "/bans/{user}", "banUser", this::ban),
        new Route("DELETE", group + "/bans/{user}", "unbanUser", this::unban),
        new Route("GET", group + "/join-requests", "listJoinRequests", this::joinRequests),
        new Route(
            "POST", group + "/join-requests/{user}/approve", "approveJoinRequest", this::approve),
        new Route("DELETE", group + "/join-requests/{user}", "rejectJoinRequest", this::reject));
  }

  // ---- operations --------------------------------------------------------------------------

  private void create(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.CreateGroup body = api.read(ctx, Dtos.CreateGroup.class);
    String owner = ApiSupport.required("owner", body.owner());
    Group g =
        groups
            .create(
                app.id(),
                ApiSupport.required("id", body.id()),
                GroupAdmin.BACKEND,
                owner,
                body.members() == null ? List.of() : body.members(),
                profile(json, body))
            .group();
    api.send(ctx, 201, view(g));
  }

  private Dtos.GroupView view(Group g) {
    return new Dtos.GroupView(
        g.id(),
        g.name(),
        g.owner(),
        sorted(directory.members(g.app(), g.id())),
        g.createdAt(),
        g.conversation().toString());
  }

  private void addMembers(Context ctx) {
    App app = api.authorizeApp(ctx);
    String group = ctx.pathParam("group");
    Dtos.UserList body = api.read(ctx, Dtos.UserList.class);
    List<String> users = body.users() == null ? List.of() : body.users();
    if (users.isEmpty()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "users must list at least one user");
    }
    List<String> added = directory.addMembers(app.id(), group, users);
    api.send(ctx, 200, new Dtos.MembersAdded(added, sorted(directory.members(app.id(), group))));
  }

  private void removeMembers(Context ctx) {
    App app = api.authorizeApp(ctx);
    String group = ctx.pathParam("group");
    List<String> users = ApiSupport.listParam("users", ctx.queryParam("users"));
    List<String> removed = directory.removeMembers(app.id(), group, users);
    api.send(
        ctx, 200, new Dtos.MembersRemoved(removed, sorted(directory.members(app.id(), group))));
  }

  private static List<String> sorted(Collection<String> users) {
    return users.stream().sorted().toList();
  }

  /** The profile of a {@code createGroup} body's optional fields. */
  static GroupProfile profile(ObjectMapper json, Dtos.CreateGroup body) {
    return new GroupProfile(
        ApiSupport.orEmpty(body.name()),
        ApiSupport.orEmpty(body.avatarUrl()),
        ApiSupport.orEmpty(body.description()),
        custom(json, body.custom()),
        false,
        body.joinPolicy() == null ? JoinPolicy.INVITE_ONLY : joinPolicy(body.joinPolicy()),
        body.invitePolicy() == null ? InvitePolicy.ADMINS : invitePolicy(body.invitePolicy()));
  }

  private void get(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, details(groups.get(app.id(), ctx.pathParam("group"), GroupAdmin.BACKEND)));
  }

  private void update(Context ctx) {
    App app = api.authorizeApp(ctx);
    GroupUpdate update = update(json, api.read(ctx, JsonNode.class));
    api.send(
        ctx,
        200,
        details(groups.update(app.id(), ctx.pathParam("group"), GroupAdmin.BACKEND, update)));
  }

  /** The changes an {@code updateGroup} body asks for; only the known fields, each typed. */
  static GroupUpdate update(ObjectMapper json, JsonNode body) {
    if (!body.isObject()) {
      throw new WarblerException(ErrorCode.BAD_REQUEST, "the request body must be an object");
    }
    GroupUpdate.Builder b = GroupUpdate.builder();
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (!UPDATE_FIELDS.contains(name)) {
        throw new WarblerException(ErrorCode.BAD_REQUEST, "unknown field '" + name + "'");
      }
      switch (name) {
        case "name" -> b.name(text(name, v));
        case "avatarUrl" -> b.avatarUrl(text(name, v));
        case "description" -> b.description(text(name, v));
        case "custom" -> b.custom(custom(json, v));
        case "muteAll" -> {
          if (!v.isBoolean()) {
            throw wrongType(name);
          }
          b.muteAll(v.asBoolean());
        }
        case "joinPolicy" -> b.joinPolicy(joinPolicy(text(name, v)));
        default -> b.invitePolicy(invitePolicy(text(name, v)));
      }
    }
    return b.build();
  }

  private void delete(Context ctx) {
    App app = api.authorizeApp(ctx);
    groups.delete(app.id(), ctx.pathParam("group"), GroupAdmin.BACKEND);
    ctx.status(204);
  }

  private void members(Context ctx) {
    App app = api.authorizeApp(ctx);
    GroupPage<Membership> page =
        groups.members(
            app.id(), ctx.pathParam("group"), GroupAdmin.BACKEND, cursor(ctx), limit(ctx));
    api.send(
        ctx,
        200,
        new Dtos.Page<>(page.items().stream().map(GroupRoutes::member).toList(), next(page)));
  }

  private void setRole(Context ctx) {
    App app = api.authorizeApp(ctx);
    GroupRole r = role(api.read(ctx, Dtos.RoleBody.class));
    String group = ctx.pathParam("group");
    String user = ctx.pathParam("user");
    groups.setRole(app.id(), group, GroupAdmin.BACKEND, user, r);
    api.send(ctx, 200, memberOf(app.id(), group, user));
  }

  /** The role a {@code setMemberRole} body names: admin or member. */
  static GroupRole role(Dtos.RoleBody body) {
    String role = ApiSupport.required("role", body.role());
    return GroupRole.parse(role)
        .filter(x -> x != GroupRole.OWNER)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.INVALID_ARGUMENT,
                "role must be admin or member (use transferOwnership for owner) but was '"
                    + role
                    + "'"));
  }

  private void mute(Context ctx) {
    App app = api.authorizeApp(ctx);
    long until = muteUntil(api.read(ctx, Dtos.MuteBody.class), clock.millis());
    String group = ctx.pathParam("group");
    String user = ctx.pathParam("user");
    groups.mute(app.id(), group, GroupAdmin.BACKEND, user, until);
    api.send(ctx, 200, memberOf(app.id(), group, user));
  }

  /** When a {@code muteMember} body's mute ends, in epoch ms. */
  static long muteUntil(Dtos.MuteBody body, long nowMillis) {
    if ((body.until() == null) == (body.seconds() == null)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "give exactly one of until (epoch ms) or seconds");
    }
    if (body.until() != null) {
      return body.until();
    }
    long seconds = body.seconds();
    if (seconds <= 0 || seconds > Long.MAX_VALUE / 1000 - nowMillis / 1000) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "seconds must be positive");
    }
    return nowMillis + seconds * 1000;
  }

  private void unmute(Context ctx) {
    App app = api.authorizeApp(ctx);
    String group = ctx.pathParam("group");
    String user = ctx.pathParam("user");
    groups.unmute(app.id(), group, GroupAdmin.BACKEND, user);
    api.send(ctx, 200, memberOf(app.id(), group, user));
  }

  private void transfer(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.UserRef body = api.read(ctx, Dtos.UserRef.class);
    String group = ctx.pathParam("group");
    groups.transferOwnership(
        app.id(), group, GroupAdmin.BACKEND, ApiSupport.required("user", body.user()));
    api.send(ctx, 200, details(groups.get(app.id(), group, GroupAdmin.BACKEND)));
  }

  private void ban(Context ctx) {
    App app = api.authorizeApp(ctx);
    GroupResult result =
        groups.ban(
            api.caller(ctx, app.id()),
            ctx.pathParam("group"),
            GroupAdmin.BACKEND,
            List.of(ctx.pathParam("user")));
    api.send(ctx, 200, change(result));
  }

  private void unban(Context ctx) {
    App app = api.authorizeApp(ctx);
    GroupResult result =
        groups.unban(
            api.caller(ctx, app.id()),
            ctx.pathParam("group"),
            GroupAdmin.BACKEND,
            List.of(ctx.pathParam("user")));
    api.send(ctx, 200, change(result));
  }

  private void joinRequests(Context ctx) {
    App app = api.authorizeApp(ctx);
    GroupPage<JoinRequest> page =
        groups.joinRequests(
            app.id(), ctx.pathParam("group"), GroupAdmin.BACKEND, cursor(ctx), limit(ctx));
    api.send(
        ctx,
        200,
        new Dtos.Page<>(
            page.items().stream()
                .map(r -> new Dtos.JoinRequestView(r.user(), r.message(), r.requestedAt()))
                .toList(),
            next(page)));
  }

  private void approve(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(
        ctx,
        200,
        change(
            groups.approveJoin(
                app.id(),
                ctx.pathParam("group"),
                GroupAdmin.BACKEND,
                List.of(ctx.pathParam("user")))));
  }

  private void reject(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(
        ctx,
        200,
        change(
            groups.rejectJoin(
                app.id(),
                ctx.pathParam("group"),
                GroupAdmin.BACKEND,
                List.of(ctx.pathParam("user")))));
  }

  // ---- views -------------------------------------------------------------------------------

  Dtos.GroupDetails details(GroupView v) {
    GroupRecord g = v.group();
    GroupProfile p = g.profile();
    return new Dtos.GroupDetails(
        g.id(),
        p.name(),
        p.avatarUrl(),
        p.description(),
        p.custom().isEmpty() ? null : parse(p.custom()),
        g.owner(),
        v.memberCount(),
        p.muteAll(),
        p.joinPolicy().name(),
        p.invitePolicy().name(),
        g.createdAt(),
        g.conversation().toString());
  }

  private Dtos.MemberView memberOf(String app, String group, String user) {
    return groups
        .membership(app, group, user)
        .map(GroupRoutes::member)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.NOT_MEMBER, "user '" + user + "' is not a member of g:" + group));
  }

  private static Dtos.MemberView member(Membership m) {
    return new Dtos.MemberView(m.user(), m.role().wireName(), m.mutedUntil());
  }

  private static Dtos.GroupChange change(GroupResult r) {
    return new Dtos.GroupChange(r.group(), r.seq(), r.users());
  }

  private static @Nullable String next(GroupPage<?> page) {
    return page.nextCursor().orElse(null);
  }

  // ---- input -------------------------------------------------------------------------------

  private static String cursor(Context ctx) {
    String c = ctx.queryParam("cursor");
    return c == null ? "" : c;
  }

  private static int limit(Context ctx) {
    return ApiSupport.limitParam(ctx.queryParam("limit"), 0);
  }

  private static String text(String field, JsonNode v) {
    if (!v.isTextual()) {
      throw wrongType(field);
    }
    return v.asText();
  }

  private static WarblerException wrongType(String field) {
    return new WarblerException(ErrorCode.BAD_REQUEST, "field '" + field + "' has the wrong type");
  }

  /** A JSON object as text; null or absent clears it. */
  private static String custom(ObjectMapper json, @Nullable JsonNode v) {
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isObject()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "custom must be a JSON object");
    }
    try {
      return json.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "custom is not serializable");
    }
  }

  private @Nullable JsonNode parse(String text) {
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static JoinPolicy joinPolicy(String v) {
    return JoinPolicy.parse(v)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.INVALID_ARGUMENT,
                "joinPolicy must be INVITE_ONLY, APPROVAL or OPEN but was '" + v + "'"));
  }

  private static InvitePolicy invitePolicy(String v) {
    return InvitePolicy.parse(v)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.INVALID_ARGUMENT,
                "invitePolicy must be ADMINS or MEMBERS but was '" + v + "'"));
  }
}
