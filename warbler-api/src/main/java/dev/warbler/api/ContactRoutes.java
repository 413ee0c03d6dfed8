package dev.warbler.api;

import dev.warbler.core.CursorPage;
import dev.warbler.core.contacts.ContactEntry;
import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.contacts.Relation;
import dev.warbler.core.directory.App;
import io.javalin.http.Context;
import java.util.List;

/**
 * A user's contacts as the app backend manages them: friends (added directly, without a request)
 * and blocked users, each listed with the uniform cursor pagination.
 */
final class ContactRoutes {
  private final ApiSupport api;
  private final Contacts contacts;

  ContactRoutes(ApiSupport api, Contacts contacts) {
    this.api = api;
    this.contacts = contacts;
  }

  List<Route> routes() {
    String user = "/v1/apps/{app}/users/{user}";
    return List.of(
        new Route("GET", user + "/friends", "listFriends", this::listFriends),
        new Route("POST", user + "/friends", "addFriend", this::addFriend),
        new Route("DELETE", user + "/friends/{friend}", "removeFriend", this::removeFriend),
        new Route("GET", user + "/blocks", "listBlockedUsers", this::listBlocked),
        new Route("POST", user + "/blocks", "blockUser", this::block),
        new Route("DELETE", user + "/blocks/{blocked}", "unblockUser", this::unblock));
  }

  private void listFriends(Context ctx) {
    App app = api.authorizeApp(ctx);
    CursorPage<ContactEntry> page =
        contacts.friends(
            app.id(),
            ctx.pathParam("user"),
            ApiSupport.orEmpty(ctx.queryParam("cursor")),
            ApiSupport.limitParam(ctx.queryParam("limit"), 0));
    api.send(ctx, 200, ApiSupport.page(page, e -> new Dtos.ContactView(e.user(), e.since())));
  }

  private void addFriend(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.UserRef body = api.read(ctx, Dtos.UserRef.class);
    api.send(
        ctx,
        200,
        view(
            contacts.addFriend(
                app.id(), ctx.pathParam("user"), ApiSupport.required("user", body.user()))));
  }

  private void removeFriend(Context ctx) {
    App app = api.authorizeApp(ctx);
    contacts.removeFriend(app.id(), ctx.pathParam("user"), ctx.pathParam("friend"));
    ctx.status(204);
  }

  private void listBlocked(Context ctx) {
    App app = api.authorizeApp(ctx);
    CursorPage<ContactEntry> page =
        contacts.blocked(
            app.id(),
            ctx.pathParam("user"),
            ApiSupport.orEmpty(ctx.queryParam("cursor")),
            ApiSupport.limitParam(ctx.queryParam("limit"), 0));
    api.send(ctx, 200, ApiSupport.page(page, e -> new Dtos.ContactView(e.user(), e.since())));
  }

  private void block(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.UserRef body = api.read(ctx, Dtos.UserRef.class);
    api.send(
        ctx,
        200,
        view(
            contacts.block(
                app.id(), ctx.pathParam("user"), ApiSupport.required("user", body.user()))));
  }

  private void unblock(Context ctx) {
    App app = api.authorizeApp(ctx);
    contacts.unblock(app.id(), ctx.pathParam("user"), ctx.pathParam("blocked"));
    ctx.status(204);
  }

  private static Dtos.RelationView view(Relation r) {
    return new Dtos.RelationView(
        r.user(), r.friend(), r.requestSent(), r.requestReceived(), r.blocked());
  }
}
