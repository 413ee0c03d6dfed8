package dev.warbler.api;

import dev.warbler.core.chatrooms.Chatroom;
import dev.warbler.core.chatrooms.ChatroomSent;
import dev.warbler.core.chatrooms.ChatroomStatus;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.directory.App;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.messaging.SendRequest;
import io.javalin.http.Context;
import java.util.List;
import java.util.UUID;

/**
 * Chatrooms (live, not stored: ADR 3): creating, reading and deleting a room, and sending to it as
 * a user or as the system.
 */
final class ChatroomRoutes {
  private final ApiSupport api;
  private final Chatrooms chatrooms;

  ChatroomRoutes(ApiSupport api, Chatrooms chatrooms) {
    this.api = api;
    this.chatrooms = chatrooms;
  }

  List<Route> routes() {
    String room = "/v1/apps/{app}/chatrooms/{room}";
    return List.of(
        new Route("POST", "/v1/apps/{app}/chatrooms", "createChatroom", this::create),
        new Route("GET", room, "getChatroom", this::get),
        new Route("DELETE", room, "deleteChatroom", this::delete),
        new Route("POST", room + "/messages", "sendChatroomMessage", this::send));
  }

  private void create(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.CreateChatroom body = api.read(ctx, Dtos.CreateChatroom.class);
    Chatroom room =
        chatrooms.create(
            app.id(),
            ApiSupport.required("id", body.id()),
            ApiSupport.orEmpty(body.name()),
            body.maxMembers() == null ? 0 : ApiSupport.positive("maxMembers", body.maxMembers()));
    api.send(ctx, 201, view(chatrooms.status(app.id(), room.id())));
  }

  private void get(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, view(chatrooms.status(app.id(), ctx.pathParam("room"))));
  }

  private void delete(Context ctx) {
    App app = api.authorizeApp(ctx);
    chatrooms.delete(app.id(), ctx.pathParam("room"));
    ctx.status(204);
  }

  private static Dtos.ChatroomView view(ChatroomStatus s) {
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

  private void send(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.SendChatroomMessage body = api.read(ctx, Dtos.SendChatroomMessage.class);
    String sender = body.from() == null ? Messenger.SYSTEM_SENDER : body.from();
    MessageType type =
        MessageRoutes.type(body.type(), sender.isEmpty() ? MessageType.SYSTEM : MessageType.TEXT);
    String clientMsgId =
        body.clientMsgId() == null ? "api-" + UUID.randomUUID() : body.clientMsgId();
    String room = ctx.pathParam("room");
    ChatroomSent sent =
        chatrooms.sendAs(
            app.id(),
            sender,
            room,
            new SendRequest(
                new SendRequest.Target.ToConversation(ConversationId.room(room)),
                clientMsgId,
                type,
                ApiSupport.orEmpty(body.text()),
                api.payload(body.payload())));
    ChatMessage m = sent.result().message();
    api.send(
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
}
