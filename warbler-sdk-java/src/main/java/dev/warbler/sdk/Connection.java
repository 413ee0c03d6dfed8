package dev.warbler.sdk;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Closing;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.ServerFrame;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket connection seen as requests and answers: gives each request an id, matches the
 * server's answer to it, and fails every open request when the connection closes. Pushed {@code
 * message} frames go to {@code onMessage}, other pushed events (frames with an empty id that answer
 * no request: receipts, typing, presence, {@code deleted_for_me}, chatroom and contact events) to
 * {@code onEvent}; the close goes to {@code onClosed}, once. Every other frame, including one of a
 * type this SDK does not know, answers the request its id names.
 *
 * <p>Thread-safe. The fields marked dispatcher-confined are used by the client's dispatcher only.
 */
final class Connection implements Transport.Inbound {
  private static final SdkLog log = SdkLog.of(Connection.class);

  private final Map<String, CompletableFuture<ServerFrame>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong();
  private final Duration requestTimeout;
  private final BiConsumer<Connection, Message> onMessage;
  private final BiConsumer<Connection, ServerFrame> onEvent;
  private final Consumer<Connection> onClosed;
  private volatile Transport.@Nullable Link link;
  private volatile @Nullable String authRequestId;
  private volatile @Nullable Closing closing;
  private final java.util.concurrent.atomic.AtomicBoolean closeSeen =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean closed;
  private volatile int closeCode;
  private volatile String closeReason = "";

  /** Dispatcher-confined: the token this connection authenticated with. */
  String token = "";

  /** Dispatcher-confined: whether auth succeeded on this connection. */
  boolean authenticated;

  /** Dispatcher-confined: whether the client has already reacted to this connection's end. */
  boolean handled;

  Connection(
      Duration requestTimeout,
      BiConsumer<Connection, Message> onMessage,
      BiConsumer<Connection, ServerFrame> onEvent,
      Consumer<Connection> onClosed) {
    this.requestTimeout = requestTimeout;
    this.onMessage = onMessage;
    this.onEvent = onEvent;
    this.onClosed = onClosed;
  }

  void attach(Transport.Link link) {
    this.link = link;
  }

  /**
   * Sends a request and returns its answer. The future fails with {@link WarblerClientException}
   * when the server answers with an error, with {@link WarblerConnectionException} when the
   * connection closes first, and with {@link java.util.concurrent.TimeoutException} after the
   * request timeout.
   */
  CompletableFuture<ServerFrame> request(ClientFrame.Builder frame) {
    String id = "r" + nextId.incrementAndGet();
    CompletableFuture<ServerFrame> answer = new CompletableFuture<>();
    Transport.Link current = link;
    if (closed || current == null) {
      answer.completeExceptionally(closedException());
      return answer;
    }
    if (frame.hasAuth()) {
      authRequestId = id;
    }
    pending.put(id, answer);
    answer.whenComplete((f, e) -> pending.remove(id, answer));
    if (closed) {
      answer.completeExceptionally(closedException());
      return answer;
    }
    current.send(frame.setId(id).build());
    return answer.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Sends a notification ({@code delivered}, {@code typing}) without a request id: the server
   * answers only if it fails. False when the connection is not open.
   */
  boolean notify(ClientFrame.Builder frame) {
    Transport.Link current = link;
    if (closed || current == null) {
      return false;
    }
    current.send(frame.setId("").build());
    return true;
  }

  /** What the connection does with a server frame, by its body. */
  enum Route {
    /** A pushed chat message: {@code onMessage}. */
    MESSAGE,
    /** The server's closing notice, kept for the close that follows. */
    CLOSING,
    /** The answer to the request its id names. */
    ANSWER,
    /** A pushed event (empty id): {@code onEvent}. */
    EVENT,
    /** Pushed when its id is empty, else the answer to a request. */
    ANSWER_OR_EVENT,
    /**
     * A body this SDK does not know (a newer server): ignored when pushed; with an id handed to the
     * request it names, which then fails on the unexpected answer instead of timing out.
     */
    UNKNOWN
  }

  /**
   * The route of every frame body. A switch expression, so that a body added to the protocol does
   * not compile until it is routed: an answer that is not routed would be dropped and its request
   * would time out.
   */
  static Route route(ServerFrame.BodyCase body) {
    return switch (body) {
      case MESSAGE -> Route.MESSAGE;
      case CLOSING -> Route.CLOSING;
      case AUTH_OK, PONG, SEND_ACK, SYNC_RESULT, MESSAGES, READ_STATE, ERROR -> Route.ANSWER;
      // Message lifecycle: the answer to delete_for_me, and a push to every device of the user.
      case DELETED_FOR_ME -> Route.ANSWER_OR_EVENT;
      // Receipts, typing and presence: delivery_receipt and typing_event answer delivered and
      // typing frames sent with an id, and are pushed (empty id) when another member acts.
      case READ_RECEIPT, PRESENCE_EVENT -> Route.EVENT;
      case DELIVERY_RECEIPT, TYPING_EVENT -> Route.ANSWER_OR_EVENT;
      case RECEIPTS, PRESENCE_LIST -> Route.ANSWER;
      // Groups.
      case GROUP_INFO, GROUP_MEMBERS, JOIN_REQUESTS, GROUP_ACK -> Route.ANSWER;
      // Chatrooms and contacts: chatroom_left is pushed (empty id) when the room is deleted,
      // otherwise it answers leave_chatroom.
      case CHATROOM_MESSAGE, FRIEND_REQUEST_EVENT -> Route.EVENT;
      case CHATROOM_LEFT -> Route.ANSWER_OR_EVENT;
      case CHATROOM_JOINED, FRIEND_REQUESTS, FRIENDS, BLOCKED, CONTACT, CONVERSATION_STATE ->
          Route.ANSWER;
      case BODY_NOT_SET -> Route.UNKNOWN;
    };
  }

  @Override
  public void onFrame(ServerFrame frame) {
    switch (route(frame.getBodyCase())) {
      case MESSAGE -> onMessage.accept(this, frame.getMessage());
      case CLOSING -> closing = frame.getClosing();
      case ANSWER -> answer(frame);
      case EVENT -> onEvent.accept(this, frame);
      case ANSWER_OR_EVENT -> {
        if (frame.getId().isEmpty()) {
          onEvent.accept(this, frame);
        } else {
          answer(frame);
        }
      }
      case UNKNOWN -> {
        if (frame.getId().isEmpty()) {
          log.debug("ignoring a pushed server frame of a type this SDK does not know");
        } else {
          answer(frame);
        }
      }
    }
  }

  private void answer(ServerFrame frame) {
    String id = frame.getId();
    // A server that does not echo the id on auth_ok (or on an auth error) still answers auth.
    if (id.isEmpty() && (frame.hasAuthOk() || (frame.hasError() && !authenticated()))) {
      id = String.valueOf(authRequestId);
    }
    CompletableFuture<ServerFrame> answer = pending.remove(id);
    if (answer == null) {
      if (frame.hasError()) {
        log.info(
            "server error not tied to a request: {} ({}): {}",
            frame.getError().getName(),
            frame.getError().getCode(),
            frame.getError().getMessage());
      } else {
        log.debug("ignoring an answer to unknown request '{}'", frame.getId());
      }
      return;
    }
    if (frame.hasError()) {
      answer.completeExceptionally(new WarblerClientException(frame.getError()));
    } else {
      answer.complete(frame);
    }
  }

  private boolean authenticated() {
    String authId = authRequestId;
    return authId != null && !pending.containsKey(authId);
  }

  @Override
  public void onClosed(int code, String reason) {
    if (closeSeen.getAndSet(true)) {
      return;
    }
    Closing said = closing;
    closeCode = said != null ? said.getCode() : code;
    closeReason = said != null && !said.getReason().isEmpty() ? said.getReason() : reason;
    closed = true;
    WarblerConnectionException e = closedException();
    pending.values().forEach(f -> f.completeExceptionally(e));
    onClosed.accept(this);
  }

  boolean isClosed() {
    return closed;
  }

  int closeCode() {
    return closeCode;
  }

  String closeReason() {
    return closeReason;
  }

  /** Whether the client should reconnect after this close: the server's word if it gave one. */
  boolean reconnectAfterClose() {
    Closing said = closing;
    return said != null
        ? said.getReconnect()
        : WarblerConnectionException.shouldReconnect(closeCode);
  }

  WarblerConnectionException closedException() {
    return closed
        ? new WarblerConnectionException(closeCode, closeReason)
        : new WarblerConnectionException(WarblerConnectionException.ABNORMAL, "not connected");
  }

  /** Starts a clean close; {@code onClosed} follows. */
  void close(int code, String reason) {
    Transport.Link current = link;
    if (current != null && !closed) {
      current.close(code, reason);
    }
  }

  /** Drops the connection; {@code onClosed} follows unless it already happened. */
  void abort() {
    Transport.Link current = link;
    if (current != null) {
      current.abort();
    } else {
      onClosed(WarblerConnectionException.ABNORMAL, "aborted before open");
    }
  }
}
