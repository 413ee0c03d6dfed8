package dev.warbler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageExtras;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.messaging.SendOptions;
import dev.warbler.core.messaging.SendRequest;
import dev.warbler.core.messaging.Templates;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Messages and history: sending as a user or as the system (plain, or rendered from a template: a
 * notification), reading a conversation's history (audited by {@link Messenger}), and recalling or
 * editing a message.
 */
final class MessageRoutes {
  private static final int DEFAULT_PAGE = 50;

  private final ApiSupport api;
  private final Directory directory;
  private final Messenger messenger;
  private final MessageLifecycle lifecycle;
  private final Templates templates;

  /** Makes the {@code send} span of a REST send, the root of its trace; unused when off. */
  private final Tracer tracer;

  private final boolean tracing;

  MessageRoutes(
      ApiSupport api,
      Directory directory,
      Messenger messenger,
      MessageLifecycle lifecycle,
      Templates templates,
      OpenTelemetry telemetry) {
    this.api = api;
    this.directory = directory;
    this.messenger = messenger;
    this.lifecycle = lifecycle;
    this.templates = templates;
    this.tracer = telemetry.getTracer("dev.warbler.api");
    this.tracing = telemetry.getTracerProvider() != TracerProvider.noop();
  }

  List<Route> routes() {
    String messages = "/v1/apps/{app}/conversations/{conversation}/messages";
    return List.of(
        new Route("POST", "/v1/apps/{app}/messages", "sendMessage", this::send),
        new Route("GET", messages, "listMessages", this::list),
        new Route("POST", messages + "/{seq}/recall", "recallMessage", this::recall),
        new Route("POST", messages + "/{seq}/edit", "editMessage", this::edit));
  }

  private void send(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.SendMessage body = api.read(ctx, Dtos.SendMessage.class);
    String sender = body.from() == null ? Messenger.SYSTEM_SENDER : body.from();
    if (!sender.isEmpty()) {
      Ids.require("from", sender);
      directory.requireUser(app.id(), sender);
    }
    SendRequest.Target target = target(body);
    MessageType type = type(body.type(), sender.isEmpty() ? MessageType.SYSTEM : MessageType.TEXT);
    String payload = api.payload(body.payload());
    String text = ApiSupport.orEmpty(body.text());
    if (body.template() != null) {
      if (body.text() != null || body.payload() != null) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "a template message takes template and fields, not text or payload");
      }
      Map<String, String> fields = body.fields() == null ? Map.of() : body.fields();
      text = templates.render(app.id(), Ids.require("template", body.template()), fields);
      payload =
          api.payload(
              api.json().valueToTree(Map.of("template", body.template(), "fields", fields)));
    }
    String clientMsgId =
        body.clientMsgId() == null ? "api-" + UUID.randomUUID() : body.clientMsgId();
    SendRequest request =
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
                ""));
    AppendResult result =
        tracing
            ? tracedSend(app.id(), sender, request)
            : messenger.send(app.id(), sender, request).join();
    api.send(ctx, 201, ack(result));
  }

  /** A send in a {@code send} span, current while the store and the bus are called. */
  private AppendResult tracedSend(String app, String sender, SendRequest request) {
    Span span =
        tracer
            .spanBuilder("send")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("warbler.transport", "rest")
            .setAttribute("warbler.app", app)
            .setAttribute("warbler.user", sender)
            .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      AppendResult result = messenger.send(app, sender, request).join();
      span.setAttribute("warbler.conversation", result.message().conversation().toString());
      span.setAttribute("warbler.seq", result.message().seq());
      span.setAttribute("warbler.duplicate", result.duplicate());
      return result;
    } catch (RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      throw e;
    } finally {
      span.end();
    }
  }

  static Dtos.SendAck ack(AppendResult result) {
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
  private void recall(Context ctx) {
    App app = api.authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    long seq = seqParam(ctx.pathParam("seq"));
    Dtos.RecallMessage body =
        ctx.bodyAsBytes().length == 0
            ? new Dtos.RecallMessage(null)
            : api.read(ctx, Dtos.RecallMessage.class);
    AppendResult result =
        body.by() == null
            ? lifecycle.recallAsSystem(app.id(), conversation, seq).join()
            : lifecycle.recall(user(app, body.by()), conversation, seq).join();
    api.send(ctx, 200, ack(result));
  }

  /** Edits a message as its sender {@code by}; answers the ack of the CHANGE entry. */
  private void edit(Context ctx) {
    App app = api.authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    long seq = seqParam(ctx.pathParam("seq"));
    Dtos.EditMessage body = api.read(ctx, Dtos.EditMessage.class);
    Principal by = user(app, ApiSupport.required("by", body.by()));
    AppendResult result =
        lifecycle
            .edit(
                by, conversation, seq, ApiSupport.orEmpty(body.text()), api.payload(body.payload()))
            .join();
    api.send(ctx, 200, ack(result));
  }

  /** A user of the app acting through the API; USER_NOT_FOUND if there is none. */
  private Principal user(App app, String id) {
    Ids.require("by", id);
    directory.requireUser(app.id(), id);
    return new Principal(app.id(), id);
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
        ConversationId.parse(ApiSupport.required("conversation", body.conversation())));
  }

  /** A message type by name, any case; absent means {@code fallback}. */
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

  private void list(Context ctx) {
    App app = api.authorizeApp(ctx);
    ConversationId conversation = ConversationId.parse(ctx.pathParam("conversation"));
    long before = ApiSupport.longParam(ctx, "before", 0);
    int limit = ApiSupport.limitParam(ctx.queryParam("limit"), DEFAULT_PAGE);
    MessagePage page =
        messenger.historyUnchecked(api.caller(ctx, app.id()), conversation, before, limit);
    api.send(
        ctx,
        200,
        new Dtos.MessageList(
            conversation.toString(),
            page.messages().stream().map(m -> view(api.json(), m)).toList(),
            page.more()));
  }

  /** A stored message as the API shows it (history, a conversation's last message). */
  static Dtos.MessageView view(ObjectMapper json, ChatMessage m) {
    MessageExtras x = m.extras();
    return new Dtos.MessageView(
        m.conversation().toString(),
        m.seq(),
        m.id(),
        m.clientMsgId(),
        m.sender(),
        m.type().name(),
        m.text(),
        ApiSupport.tree(json, m.payload()),
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
        x.change().map(c -> changeView(json, c)).orElse(null),
        x.undecryptable() ? true : null);
  }

  private static Dtos.ChangeView changeView(ObjectMapper json, MessageChange c) {
    return switch (c.action()) {
      case MessageChange.Action.Recall r ->
          new Dtos.ChangeView(c.targetSeq(), new Dtos.RecallView(), null, null);
      case MessageChange.Action.Edit e ->
          new Dtos.ChangeView(
              c.targetSeq(),
              null,
              new Dtos.EditView(e.text(), ApiSupport.tree(json, e.payload()), e.editedAt()),
              null);
      case MessageChange.Action.Reaction r ->
          new Dtos.ChangeView(
              c.targetSeq(), null, null, new Dtos.ReactionView(r.emoji(), r.added(), r.count()));
    };
  }
}
