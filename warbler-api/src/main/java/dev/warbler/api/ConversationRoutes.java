package dev.warbler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.core.CursorPage;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationList;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.util.List;

/**
 * A user's conversation list: listing and reading conversations (positions, unread count, last
 * message, the user's settings) and changing the user's settings of one (pinned, muted, archived,
 * custom).
 */
final class ConversationRoutes {
  private final ApiSupport api;
  private final ConversationList conversations;

  ConversationRoutes(ApiSupport api, ConversationList conversations) {
    this.api = api;
    this.conversations = conversations;
  }

  List<Route> routes() {
    String list = "/v1/apps/{app}/users/{user}/conversations";
    return List.of(
        new Route("GET", list, "listConversations", this::list),
        new Route("GET", list + "/{conversation}", "getConversation", this::get),
        new Route("PATCH", list + "/{conversation}", "updateConversation", this::update));
  }

  private void list(Context ctx) {
    App app = api.authorizeApp(ctx);
    CursorPage<ConversationState> page =
        conversations.list(
            app.id(),
            ctx.pathParam("user"),
            ApiSupport.orEmpty(ctx.queryParam("cursor")),
            ApiSupport.limitParam(ctx.queryParam("limit"), 0));
    api.send(ctx, 200, ApiSupport.page(page, this::view));
  }

  private void get(Context ctx) {
    App app = api.authorizeApp(ctx);
    ConversationState state =
        conversations.get(
            app.id(), ctx.pathParam("user"), ConversationId.parse(ctx.pathParam("conversation")));
    api.send(ctx, 200, view(state));
  }

  private void update(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.UpdateConversation body = api.read(ctx, Dtos.UpdateConversation.class);
    ConversationState state =
        conversations.update(
            app.id(),
            ctx.pathParam("user"),
            ConversationId.parse(ctx.pathParam("conversation")),
            conversationChange(api.json(), body));
    api.send(ctx, 200, view(state));
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
      change = change.withCustom(custom.isNull() ? "" : ApiSupport.payload(json, custom));
    }
    return change;
  }

  private Dtos.ConversationView view(ConversationState s) {
    ObjectMapper json = api.json();
    return new Dtos.ConversationView(
        s.conversation().toString(),
        s.lastSeq(),
        s.readSeq(),
        s.unread(),
        s.mentioned(),
        s.lastMessage().map(m -> MessageRoutes.view(json, m)).orElse(null),
        s.settings().pinned(),
        s.settings().muted(),
        s.settings().archived(),
        ApiSupport.tree(json, s.settings().custom()));
  }
}
