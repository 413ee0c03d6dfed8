package dev.warbler.api;

import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.state.Presence;
import dev.warbler.core.state.Receipts;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.util.List;

/** Read receipts and presence: marking a conversation read for a user, and users' presence. */
final class SignalRoutes {
  private final ApiSupport api;
  private final Directory directory;
  private final Receipts receipts;
  private final Presence presence;

  SignalRoutes(ApiSupport api, Directory directory, Receipts receipts, Presence presence) {
    this.api = api;
    this.directory = directory;
    this.receipts = receipts;
    this.presence = presence;
  }

  List<Route> routes() {
    return List.of(
        new Route(
            "POST", "/v1/apps/{app}/conversations/{conversation}/read", "markRead", this::markRead),
        new Route("GET", "/v1/apps/{app}/presence", "getPresence", this::presence));
  }

  private void markRead(Context ctx) {
    App app = api.authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    Dtos.MarkRead body = api.read(ctx, Dtos.MarkRead.class);
    String user = Ids.require("user", ApiSupport.required("user", body.user()));
    directory.requireUser(app.id(), user);
    long seq = readSeq(body);
    ConversationState state = receipts.markRead(new Principal(app.id(), user), conversation, seq);
    api.send(
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
            ApiSupport.tree(api.json(), state.settings().custom())));
  }

  /** The seq a {@code markRead} body reads up to; absent means everything. */
  static long readSeq(Dtos.MarkRead body) {
    long seq = body.seq() == null ? Long.MAX_VALUE : body.seq();
    if (seq < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "seq must be >= 0");
    }
    return seq;
  }

  private void presence(Context ctx) {
    App app = api.authorizeApp(ctx);
    List<String> users = ApiSupport.listParam(ctx, "users");
    api.send(
        ctx,
        200,
        new Dtos.Page<>(
            presence.presence(app.id(), users).stream()
                .map(p -> new Dtos.PresenceView(p.user(), p.online(), p.lastSeen()))
                .toList(),
            null));
  }
}
