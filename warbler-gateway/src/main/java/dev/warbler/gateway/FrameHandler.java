package dev.warbler.gateway;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.RateLimits;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.access.VerifiedToken;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.contacts.FriendRequestEvent;
import dev.warbler.core.contacts.Relation;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.messaging.SendRequest;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.state.Receipts;
import dev.warbler.core.state.StateEvent;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Decoded;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.DeleteForMe;
import dev.warbler.protocol.v1.Delivered;
import dev.warbler.protocol.v1.Edit;
import dev.warbler.protocol.v1.Forward;
import dev.warbler.protocol.v1.GetReceipts;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.ListBlocked;
import dev.warbler.protocol.v1.ListFriendRequests;
import dev.warbler.protocol.v1.ListFriends;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.Pong;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.Recall;
import dev.warbler.protocol.v1.RespondFriendRequest;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendFriendRequest;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.Typing;
import dev.warbler.protocol.v1.UpdateConversation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the protocol v1 state machine, as the server speaks it.
 *
 * <h2>Connection</h2>
 *
 * <ul>
 *   <li>The HTTP upgrade must complete within {@code handshakeTimeout} of the TCP accept, else the
 *       socket is closed without a response. See {@link HttpGuard} for refused upgrades. The client
 *       offers {@code warbler.v1.json} or {@code warbler.v1.proto}; offering none means JSON. JSON
 *       frames travel in text messages, proto frames in binary messages, one frame per WebSocket
 *       message (fragments are reassembled). A message of the other kind closes the connection with
 *       {@code closing}{1003} and close 1003.
 *   <li>A message larger than {@code maxFrameBytes} (one frame, fragments together, or a
 *       permessage-deflate message once inflated) closes the connection with close 1009 and no
 *       {@code closing} frame. Other WebSocket-level violations close with their RFC 6455 code,
 *       also without {@code closing}: bad UTF-8 1007, an unmasked frame or other framing error
 *       1002, deflate data that does not inflate 1002. Each sends exactly one close frame and logs
 *       one DEBUG line (see {@link GatewayProtocolHandler}).
 *   <li>WebSocket pings are answered with pongs (through the outbound admission check below); pongs
 *       are ignored. Each ping or pong costs a token of the connection's control-frame budget
 *       ({@link GatewayLimits#controlFrames()}, before auth too); a connection out of tokens gets
 *       {@code closing}{1008} and close 1008. Any inbound data or control frame resets the idle
 *       timer; nothing for {@code idleTimeout} closes with {@code closing}{4001} and close 4001.
 * </ul>
 *
 * <h2>Authentication</h2>
 *
 * <ul>
 *   <li>The first frame must be {@code auth}, and {@code auth_ok} must have been sent within {@code
 *       authTimeout} of the handshake, else {@code closing}{4101} and close 4101.
 *   <li>A first frame that is not {@code auth}: {@code error} UNAUTHENTICATED (echoing its id),
 *       then {@code closing}{4104} and close 4104. An undecodable first frame: {@code error}
 *       MALFORMED_FRAME (with the id recovered from the bytes when possible, else empty), then 4104
 *       the same way. A first frame with two members of one oneof, or whose id is over 64
 *       characters: {@code error} INVALID_ARGUMENT (echoing the id as sent), then 4104.
 *   <li>{@code auth}: first, if the client address is throttled for failed authentications ({@link
 *       GatewayLimits#authFailures()}), RATE_LIMITED with its retry-after, then close 1013, without
 *       looking at the token; a TOKEN_INVALID below counts against the address. Then the token is
 *       verified off the event loop, and in order: if {@code Auth.app} is set and is not the
 *       token's app, WRONG_APP; if the token's user was deleted, USER_ID_RETIRED, if it never
 *       existed, USER_NOT_FOUND; if the user is banned app-wide, USER_BANNED; if the token was
 *       revoked, TOKEN_REVOKED (both in-memory lookups, {@link dev.warbler.core.access.Access}). A
 *       failure sends {@code error} (echoing the auth frame's id) then {@code closing} and close
 *       with 4102 for TOKEN_EXPIRED, 4103 for USER_ID_RETIRED (also when the user is deleted while
 *       the connection authenticates), 4105 for USER_BANNED, 4106 for TOKEN_REVOKED, 1011 for
 *       retryable errors (INTERNAL, UNAVAILABLE) and 4100 for every other code (TOKEN_INVALID,
 *       WRONG_APP, USER_NOT_FOUND). Non-retryable failures are audited, coalesced per address.
 *   <li>Success: {@code auth_ok} {app, user, session (22 characters), server_time (ms),
 *       idle_timeout_seconds (rounded up), max_frame_bytes, max_message_bytes}; from then on the
 *       connection receives {@code message} pushes. When the token's {@code exp} passes, {@code
 *       closing}{4102} and close 4102.
 *   <li>A user that already has {@code gateway.max-connections-per-user} authenticated connections
 *       on this node: {@code error} LIMIT_EXCEEDED, then {@code closing}{4107} and close 4107 (do
 *       not reconnect until another connection of the user closed). The slot is given back when the
 *       connection closes.
 *   <li>Frames sent after {@code auth} but before {@code auth_ok} are held (at most {@link
 *       Gateway#MAX_PENDING_BEFORE_AUTH}, more: {@code error} UNAUTHENTICATED then 4104) and served
 *       in order once authenticated; dropped if authentication fails.
 * </ul>
 *
 * <h2>Requests after auth</h2>
 *
 * Every request is answered by exactly one frame echoing its id: the result or {@code error}.
 * Requests run concurrently, so answers may come in any order; {@code send}s of one connection are
 * stored in the order received. The connection stays open after every {@code error} below.
 *
 * <ul>
 *   <li>{@code ping} → {@code pong} {client_time echoed, server_time}.
 *   <li>{@code send} → {@code send_ack} {conversation, seq, message_id, sent_at, duplicate,
 *       client_msg_id} once durable. Target: exactly one of user, group, conversation (missing:
 *       INVALID_ARGUMENT). TYPE_UNSPECIFIED means TEXT. A resend with the same client_msg_id
 *       answers the original's ack with duplicate = true and delivers nothing. The sender's own
 *       connection receives the pushed {@code message} before its {@code send_ack}.
 *   <li>{@code sync} → {@code sync_result}; {@code pull} and {@code history} → {@code messages};
 *       {@code mark_read} → {@code read_state} (and a {@code read_receipt} push when the position
 *       rose); {@code get_receipts} → {@code receipts}; {@code subscribe_presence} → {@code
 *       presence_list}; {@code group_command} → {@code group_info}, {@code group_members}, {@code
 *       join_requests} or {@code group_ack} (see {@link GroupFrames}).
 *   <li>{@code delivered} and {@code typing} are notifications: with an id they are answered like
 *       requests ({@code delivery_receipt} with the stored position, {@code typing_event} echoing
 *       the request); without one only errors are sent (empty id), and a typing LIMIT_EXCEEDED or
 *       MUTED only once per conversation. Typing past {@link TypingThrottle}'s rate is dropped
 *       silently.
 *   <li>Message lifecycle ({@link MessageLifecycle}): {@code recall}, {@code edit}, {@code react}
 *       and {@code forward} → {@code send_ack} once durable (for the first three, of the CHANGE
 *       entry, or of the target with duplicate = true when nothing changed); {@code delete_for_me}
 *       → {@code deleted_for_me}, also pushed to the user's online devices.
 *   <li>{@code join_chatroom} → {@code chatroom_joined}, written while the room is locked so that
 *       it precedes every {@code chatroom_message} sent after the join; {@code leave_chatroom} →
 *       {@code chatroom_left}. A {@code send} with the {@code chatroom} target (or conversation
 *       {@code r:ROOM}) goes to the room and is acked with its in-memory seq. Closing the
 *       connection leaves every room.
 *   <li>{@code send_friend_request}, {@code respond_friend_request}, {@code remove_friend}, {@code
 *       block_user}, {@code unblock_user} → {@code contact}; {@code list_friend_requests}, {@code
 *       list_friends}, {@code list_blocked} → their pages; {@code update_conversation} → {@code
 *       conversation_state}.
 *   <li>A second {@code auth}: ALREADY_AUTHENTICATED. A frame with no body this server knows:
 *       UNKNOWN_FRAME. An undecodable frame: MALFORMED_FRAME (id recovered when possible). Two
 *       members of one oneof (two bodies, two targets of a {@code send}): INVALID_ARGUMENT. An id
 *       over 64 characters: INVALID_ARGUMENT echoing the id as sent.
 *   <li>Rate limits ({@link dev.warbler.core.access.RateLimiter}): each request draws a token from
 *       the user's bucket and the app's; {@code typing}, {@code delivered} and {@code mark_read}
 *       from the user's signal bucket; {@code ping} is free. A refusal is answered at once, on the
 *       event loop, with {@code error} RATE_LIMITED (retryable, {@code retry_after_ms} = time until
 *       a token is due); nothing of the request is done or stored, so the client may resend it
 *       (same client_msg_id) later. After {@code limits.rate.refusals-before-pause} refusals in a
 *       row the server stops reading the socket until that time has passed; frames it had read
 *       already by then (the same read batch) are answered RATE_LIMITED too, with the time left in
 *       the pause, decoding only their id.
 *   <li>Domain failures carry their catalog code {code, name, message, retryable, retry_after_ms};
 *       anything unexpected is INTERNAL with a generic message (details go to the server log).
 * </ul>
 *
 * <h2>Pushes and backpressure</h2>
 *
 * Deliveries arrive as {@code message} frames with an empty id, only after {@code auth_ok}, in seq
 * order per conversation; receipts, typing and presence changes as {@code read_receipt}, {@code
 * delivery_receipt}, {@code typing_event} and {@code presence_event} frames with an empty id;
 * chatroom messages as {@code chatroom_message}, in seq order per room; friend-request events as
 * {@code friend_request_event}. Every outbound data frame, push or answer, is admitted against
 * {@code maxOutboundBytes}: one that would take the bytes queued for the connection (in Netty, not
 * yet taken by the kernel) past it while something is already queued marks a slow consumer: the
 * frame is dropped and the connection closed with close 4000; the client reconnects, syncs and
 * pulls what it missed. Pongs are admitted the same way, and {@link #CLOSE_RESERVE_BYTES} of the
 * bound are kept for the {@code closing} and close frames, which are admitted against the whole
 * bound. So the queue never holds more than the larger of the bound and one frame plus those two.
 * The server stops reading the socket while more than half the bound is queued (the channel is not
 * writable) until it drains below a quarter, and past {@link Gateway#MAX_IN_FLIGHT} unanswered
 * requests until answers go out.
 *
 * <h2>Closing</h2>
 *
 * Every close the server starts sends {@code closing} {code, reason, reconnect} then a close frame
 * with the same code, except: the 1009/1007/1002 cases above (no {@code closing}), closes before
 * the upgrade (the socket is just closed), and when a frame does not fit the outbound bound (it is
 * not sent). Frames received after that are ignored. Once the close frame is written the server
 * half-closes the TCP connection and discards what the client still sends (up to {@link
 * #LINGER_MAX_BYTES}) until the client closes or {@link #LINGER} passes, so that a client that is
 * still sending does not lose the close frame to a reset. If the close frame cannot be written
 * within {@link Gateway#CLOSE_TIMEOUT} the socket is dropped (the client sees 1006).
 *
 * <p>Threading: Netty calls this handler on the channel's event loop, and the fields marked so are
 * confined to it. {@link Session#push} and {@link #requestClose} may be called from any thread.
 */
final class FrameHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(FrameHandler.class);

  /** Longest reason a close frame may carry, in UTF-8 bytes (RFC 6455: 125 minus the code). */
  private static final int MAX_CLOSE_REASON_BYTES = 123;

  private enum State {
    HANDSHAKING,
    AWAITING_AUTH,
    AUTHENTICATING,
    AUTHENTICATED,
    CLOSING
  }

  private final Gateway gateway;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Queue<Runnable> sends = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sending = new AtomicBoolean();
  private final TypingThrottle typing;

  /** WebSocket pings and pongs this connection may still send (limits.rate.control-*). */
  private final ControlFrameBudget controlBudget;

  /** The user's connection slot ({@code app/user}) once taken at auth; given back on close. */
  private final AtomicReference<@Nullable String> userSlot = new AtomicReference<>();

  // Event-loop confined.
  private @Nullable Channel channel;
  private State state = State.HANDSHAKING;
  private volatile Encoding encoding = Encoding.JSON;
  private boolean upgraded;
  private @Nullable Session session;
  private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
  private @Nullable ScheduledFuture<?> handshakeTimer;
  private @Nullable ScheduledFuture<?> authTimer;
  private @Nullable ScheduledFuture<?> expiryTimer;
  private @Nullable ScheduledFuture<?> resumeTimer;

  /** Requests refused by the rate limits in a row; reset by the next one allowed. */
  private int refusalsInARow;

  /** Kernel receive buffer of a connection once it was paused for flooding (see rateLimited). */
  static final int FLOODER_RECEIVE_BUFFER_BYTES = 8 * 1024;

  /** The last rate pause's length, and when reading resumed after it (nanoTime; 0: never). */
  private long pauseMillis;

  private long resumedAtNanos;

  /** Reading stopped until the refusing bucket has a token again (see {@link #rateLimited}). */
  private boolean ratePaused;

  /** When the current rate pause ends (nanoTime), and the refusals in a row that started it. */
  private long pausedUntilNanos;

  private int pauseRefusals;

  /** Refusals written but not flushed yet. */
  private boolean unflushed;

  /**
   * Held while a data frame is admitted and handed to Netty (which counts it at once), so that
   * frames from several threads cannot all fit the bound separately and overshoot it together.
   */
  private final Object admission = new Object();

  /** Set while {@link #closeNow} writes the closing and close frames (admitted differently). */
  private boolean closeFrames;

  /** After the close frame went out: reading is the linger's business (see lingerAfterClose). */
  private boolean lingering;

  FrameHandler(Gateway gateway) {
    this.gateway = gateway;
    this.typing =
        new TypingThrottle(gateway.services().receipts().limits().typingMinInterval().toMillis());
    this.controlBudget = new ControlFrameBudget(gateway.limits().controlFrames());
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.channel = ctx.channel();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    handshakeTimer =
        schedule(
            () -> {
              if (state == State.HANDSHAKING) {
                log.debug("no WebSocket upgrade from {} in time", ctx.channel().remoteAddress());
                requestClose(CloseCode.POLICY_VIOLATION, "handshake timeout");
              }
            },
            gateway.config().handshakeTimeout().toMillis());
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing.set(true);
    state = State.CLOSING;
    cancelTimers();
    pending.clear();
    releaseUserSlot();
    if (upgraded) {
      gateway.closed();
    }
    Session s = session;
    if (s != null) {
      gateway.sessions().remove(s);
      leaveChatrooms(s);
      log.debug("session {} of {}/{} closed", s.id, s.app, s.user);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof HandshakeComplete handshake) {
      cancel(handshakeTimer);
      String offered = handshake.selectedSubprotocol();
      encoding =
          offered == null ? Encoding.JSON : Encoding.ofSubprotocol(offered).orElse(Encoding.JSON);
      upgraded = true;
      gateway.opened();
      if (state == State.HANDSHAKING) {
        state = State.AWAITING_AUTH;
        authTimer =
            schedule(
                () -> {
                  if (state == State.AWAITING_AUTH || state == State.AUTHENTICATING) {
                    gateway.authFailed(Gateway.AuthFailure.TIMEOUT);
                    log.info("no auth from {} in time", ctx.channel().remoteAddress());
                    requestClose(CloseCode.AUTH_TIMEOUT, "no auth within the auth timeout");
                  }
                },
                gateway.config().authTimeout().toMillis());
      }
      return;
    }
    if (event instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
      log.debug("{} idle; closing", ctx.channel().remoteAddress());
      requestClose(CloseCode.IDLE_TIMEOUT, "nothing received within the idle timeout");
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException || inflatedTooFar(cause)) {
      // From the frame aggregator (fragments adding up to more than maxFrameBytes) or from
      // permessage-deflate (a message inflating past it): a client's bad frame, one line.
      log.debug("message over the frame limit from {}: {}", remote(), cause.getMessage());
      close(CloseCode.TOO_BIG, "message larger than " + gateway.config().maxFrameBytes(), false);
    } else if (cause instanceof CorruptedWebSocketFrameException e) {
      // The decoder refuses a frame (unmasked, bad UTF-8, too long, bad opcode) and reads no more.
      log.debug("WebSocket protocol violation from {}: {}", remote(), e.getMessage());
      CloseCode code =
          CloseCode.of(e.closeStatus().code())
              .filter(c -> c.code() < 4000)
              .orElse(CloseCode.PROTOCOL_ERROR);
      close(code, String.valueOf(e.getMessage()), false);
    } else if (causeOf(cause, DecompressionException.class) != null) {
      log.debug("undecompressable message from {}: {}", remote(), cause.getMessage());
      close(CloseCode.PROTOCOL_ERROR, "permessage-deflate data could not be inflated", false);
    } else if (cause instanceof IOException) {
      log.debug("I/O error on {}: {}", remote(), cause.toString());
      ctx.close();
    } else {
      log.warn("unexpected error on the connection from {}", remote(), cause);
      requestClose(CloseCode.INTERNAL_ERROR, "internal error");
    }
  }

  /** Whether permessage-deflate refused a message because it inflated past maxFrameBytes. */
  private static boolean inflatedTooFar(Throwable cause) {
    DecompressionException e = causeOf(cause, DecompressionException.class);
    // Netty's ZlibDecoder says so only in its message: "Decompression buffer has reached maximum
    // size: N". A Netty upgrade that rewords it turns 1009 into 1002 and fails a test.
    return e != null && String.valueOf(e.getMessage()).contains("maximum size");
  }

  private static <T extends Throwable> @Nullable T causeOf(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /**
   * Event loop: a WebSocket ping or pong from the client, handed over by {@link
   * GatewayProtocolHandler} (which releases it afterwards). Each costs a token of the connection's
   * control-frame budget; a client out of tokens is closed with 1008. A ping is answered with a
   * pong through {@link #write}, so the pong counts against the outbound bound like any frame; a
   * pong is dropped. Nothing is answered once the connection is closing.
   */
  void controlFrame(WebSocketFrame frame) {
    if (closing.get()) {
      return;
    }
    if (!controlBudget.tryTake(System.nanoTime())) {
      RateLimits.Rate rate = gateway.limits().controlFrames();
      if (requestClose(
          CloseCode.POLICY_VIOLATION,
          "more than "
              + rate.perSecond()
              + " WebSocket pings or pongs per second (burst "
              + rate.burst()
              + ")")) {
        gateway.controlFlood();
        log.info("{} sent WebSocket control frames too fast; closing with 1008", who());
      }
      return;
    }
    Channel ch = channel;
    if (frame instanceof PingWebSocketFrame && ch != null) {
      ch.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
    }
  }

  /** The session, or the peer address before auth; for log lines. */
  private String who() {
    Session s = session;
    return s == null ? remote() : s.toString();
  }

  // ---- inbound -----------------------------------------------------------------------------

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    flushRefusals();
    ctx.fireChannelReadComplete();
  }

  private void flushRefusals() {
    Channel ch = channel;
    if (unflushed && ch != null) {
      unflushed = false;
      ch.flush();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof TextWebSocketFrame) && !(msg instanceof BinaryWebSocketFrame)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    boolean text = msg instanceof TextWebSocketFrame;
    byte[] bytes;
    try {
      bytes = ByteBufUtil.getBytes(((WebSocketFrame) msg).content());
    } finally {
      ReferenceCountUtil.release(msg);
    }
    gateway.frameIn();
    if (closing.get()) {
      return;
    }
    if (ratePaused) {
      // Read in the same batch as the refusal that paused the connection: refused too, with only
      // the id decoded, so that a pipelining client gets an answer for every request.
      refusePaused(bytes);
      return;
    }
    if (text != encoding.text()) {
      log.debug("{} sent a {} frame on {}", remote(), text ? "text" : "binary", encoding);
      requestClose(
          CloseCode.UNSUPPORTED_DATA,
          encoding.subprotocol() + " frames travel in " + (encoding.text() ? "text" : "binary"));
      return;
    }
    switch (state) {
      case AWAITING_AUTH -> first(bytes);
      case AUTHENTICATING -> hold(bytes);
      case AUTHENTICATED -> serve(bytes);
      case HANDSHAKING, CLOSING -> {
        // Not upgraded yet, or closing: nothing to answer.
      }
    }
  }

  private void first(byte[] bytes) {
    switch (encoding.codec().decodeClient(bytes)) {
      case Decoded.Malformed m ->
          refuseUnauthenticated(m.requestId(), ErrorCode.MALFORMED_FRAME, m.reason());
      case Decoded.Invalid i ->
          refuseUnauthenticated(i.requestId(), ErrorCode.INVALID_ARGUMENT, i.reason());
      case Decoded.Frame f -> {
        ClientFrame frame = f.frame();
        if (frame.getId().length() > Ids.MAX_ID_LENGTH) {
          // Echoed as sent (it is in memory already), so that the client can match the answer.
          refuseUnauthenticated(
              frame.getId(), ErrorCode.INVALID_ARGUMENT, idTooLong(frame.getId()));
        } else if (!frame.hasAuth()) {
          refuseUnauthenticated(
              frame.getId(),
              ErrorCode.UNAUTHENTICATED,
              "the first frame must be auth but was " + bodyName(frame));
        } else {
          authenticate(frame.getId(), frame.getAuth());
        }
      }
    }
  }

  private void hold(byte[] bytes) {
    if (pending.size() >= Gateway.MAX_PENDING_BEFORE_AUTH) {
      refuseUnauthenticated(
          "",
          ErrorCode.UNAUTHENTICATED,
          "more than " + Gateway.MAX_PENDING_BEFORE_AUTH + " frames before authOk");
      return;
    }
    pending.add(bytes);
  }

  private void refuseUnauthenticated(String id, ErrorCode code, String message) {
    gateway.authFailed(Gateway.AuthFailure.NOT_AUTHENTICATED);
    log.info("refused unauthenticated frame from {}: {} {}", remote(), code, message);
    write(Frames.error(id, code, message, 0));
    requestClose(CloseCode.NOT_AUTHENTICATED, "authenticate first");
  }

  // ---- authentication ----------------------------------------------------------------------

  private void authenticate(String id, Auth auth) {
    state = State.AUTHENTICATING;
    updateAutoRead();
    String token = auth.getToken();
    String expectedApp = auth.getApp();
    String device = clip(auth.getDevice(), Ids.MAX_ID_LENGTH);
    try {
      gateway.blocking().execute(() -> verify(id, token, expectedApp, device));
    } catch (RejectedExecutionException e) {
      requestClose(CloseCode.GOING_AWAY, "server shutting down");
    }
  }

  /** Runs on a virtual thread: the token check may load the app, the user check the store. */
  private void verify(String id, String token, String expectedApp, String device) {
    AuthThrottle throttle = gateway.limits().authFailures();
    try {
      long wait = throttle.retryAfterMillis(remoteIp(), AuthThrottle.Surface.GATEWAY);
      if (wait > 0) {
        // Refused before the token is looked at: a guesser learns nothing faster than the refill.
        throw new WarblerException(ErrorCode.RATE_LIMITED, throttle.message(wait), wait);
      }
      VerifiedToken verified;
      try {
        verified = gateway.tokens().verifyToken(token);
      } catch (WarblerException e) {
        if (e.code() == ErrorCode.TOKEN_INVALID) {
          throttle.failed(remoteIp(), AuthThrottle.Surface.GATEWAY);
        }
        throw e;
      }
      Principal who = verified.principal();
      if (!expectedApp.isEmpty() && !expectedApp.equals(who.app())) {
        throw new WarblerException(
            ErrorCode.WRONG_APP,
            "the token belongs to another app than '" + clip(expectedApp, 64) + "'");
      }
      // USER_ID_RETIRED for a deleted user's token (close 4103), USER_NOT_FOUND otherwise.
      gateway.directory().requireUserForCredentials(who.app(), who.user());
      // Banned user, revoked token: in-memory lookups, no store access.
      gateway.services().access().check(verified);
      takeUserSlot(who);
      long expiresAt = verified.expiresAt();
      // The user's groups, for the session's group index: loaded after the arrival starts, so a
      // membership change racing with this load is replayed when the session is added.
      Sessions.Arrival arrival = gateway.sessions().arriving(who.app(), who.user());
      Set<String> groups;
      try {
        // Again, now that a delete sees this arrival: a delete that ran since the check above is
        // caught here, a later one makes Sessions.add refuse the connection.
        gateway.directory().requireUserForCredentials(who.app(), who.user());
        groups = gateway.services().groups().groupsOf(who.app(), who.user());
      } catch (RuntimeException e) {
        gateway.sessions().cancel(arrival);
        throw e;
      }
      if (!tryOnLoop(() -> authenticated(id, verified, device, expiresAt, arrival, groups))) {
        gateway.sessions().cancel(arrival);
      }
    } catch (WarblerException e) {
      if (!e.code().retryable()) {
        gateway
            .services()
            .audit()
            .failure(
                TokenService.unverifiedApp(token),
                Audit.ANONYMOUS,
                remoteIp(),
                Audit.AUTH_FAILED,
                "",
                AuditEvent.DENIED,
                e.code().name());
      }
      onLoop(() -> authFailed(id, e));
    } catch (RuntimeException e) {
      log.warn("auth check failed unexpectedly", e);
      onLoop(() -> authFailed(id, new WarblerException(ErrorCode.INTERNAL, "internal error")));
    }
  }

  private void authFailed(String id, WarblerException e) {
    if (state != State.AUTHENTICATING) {
      return;
    }
    gateway.authFailed(
        switch (e.code()) {
          case TOKEN_INVALID -> Gateway.AuthFailure.TOKEN_INVALID;
          case TOKEN_EXPIRED -> Gateway.AuthFailure.TOKEN_EXPIRED;
          case WRONG_APP -> Gateway.AuthFailure.WRONG_APP;
          case USER_NOT_FOUND, USER_ID_RETIRED -> Gateway.AuthFailure.USER_NOT_FOUND;
          case USER_BANNED -> Gateway.AuthFailure.USER_BANNED;
          case TOKEN_REVOKED -> Gateway.AuthFailure.TOKEN_REVOKED;
          case RATE_LIMITED -> Gateway.AuthFailure.THROTTLED;
          default -> Gateway.AuthFailure.OTHER;
        });
    if (e.code() == ErrorCode.RATE_LIMITED) {
      // A guesser's address: the throttle counters show it, one line per attempt would not help.
      log.debug("auth throttled for {}: {}", remote(), e.getMessage());
      pending.clear();
      write(Frames.error(id, e));
      requestClose(CloseCode.TRY_AGAIN_LATER, "too many failed authentications; retry later");
      return;
    }
    if (e.code() == ErrorCode.LIMIT_EXCEEDED) {
      // Not the client's fault, so not INFO-worthy per attempt: the refusal counter shows it.
      log.debug("auth refused for {}: {}", remote(), e.getMessage());
      pending.clear();
      write(Frames.error(id, e));
      requestClose(CloseCode.TOO_MANY_CONNECTIONS, String.valueOf(e.getMessage()));
      return;
    }
    log.info("auth refused for {}: {} {}", remote(), e.code(), e.getMessage());
    pending.clear();
    write(Frames.error(id, e));
    CloseCode code =
        switch (e.code()) {
          case TOKEN_EXPIRED -> CloseCode.TOKEN_EXPIRED;
          case TOKEN_REVOKED -> CloseCode.TOKEN_REVOKED;
          case USER_BANNED -> CloseCode.USER_BANNED;
          case USER_ID_RETIRED -> CloseCode.USER_REMOVED;
          case RATE_LIMITED -> CloseCode.TRY_AGAIN_LATER;
          default -> e.code().retryable() ? CloseCode.INTERNAL_ERROR : CloseCode.AUTH_FAILED;
        };
    requestClose(code, String.valueOf(e.getMessage()));
  }

  private void authenticated(
      String id,
      VerifiedToken verified,
      String device,
      long expiresAt,
      Sessions.Arrival arrival,
      Set<String> groups) {
    Channel ch = channel;
    if (state != State.AUTHENTICATING || closing.get() || ch == null) {
      gateway.sessions().cancel(arrival);
      return;
    }
    cancel(authTimer);
    Principal who = verified.principal();
    Session s =
        new Session(
            who.app(),
            who.user(),
            gateway.newSessionId(),
            ch,
            encoding,
            verified.id(),
            gateway.limits().rates().subject(who.app(), who.user()));
    // Registered before auth_ok is written: a delivery racing with this task is queued on this
    // event loop behind auth_ok, and one stored after the client saw auth_ok is never missed.
    // Refused when the user was deleted while this connection was on its way in.
    if (!gateway.sessions().add(s, arrival, groups)) {
      authFailed(
          id,
          new WarblerException(
              ErrorCode.USER_ID_RETIRED,
              "user '" + who.user() + "' was deleted; its id is never used again"));
      return;
    }
    session = s;
    state = State.AUTHENTICATED;
    // A ban or revocation that landed after the check above, but whose close pass ran before this
    // session was registered, is caught here: either it sees the session or this sees it.
    try {
      gateway.services().access().check(verified);
    } catch (WarblerException e) {
      write(Frames.error(id, e));
      requestClose(
          e.code() == ErrorCode.USER_BANNED ? CloseCode.USER_BANNED : CloseCode.TOKEN_REVOKED,
          String.valueOf(e.getMessage()));
      return;
    }
    GatewayConfig config = gateway.config();
    write(
        ServerFrame.newBuilder()
            .setId(id)
            .setAuthOk(
                AuthOk.newBuilder()
                    .setApp(who.app())
                    .setUser(who.user())
                    .setSession(s.id)
                    .setServerTime(gateway.clock().millis())
                    .setIdleTimeoutSeconds(ceilSeconds(config.idleTimeout().toMillis()))
                    .setMaxFrameBytes(config.maxFrameBytes())
                    .setMaxMessageBytes(gateway.messenger().limits().maxMessageBytes()))
            .build());
    if (expiresAt != Long.MAX_VALUE) {
      long delay = Math.max(0, expiresAt - gateway.clock().millis());
      expiryTimer =
          schedule(() -> requestClose(CloseCode.TOKEN_EXPIRED, "the token expired"), delay);
    }
    log.debug("session {} of {}/{} on {} ({})", s.id, s.app, s.user, remote(), device);
    while (!pending.isEmpty() && !closing.get()) {
      serve(pending.poll());
    }
    pending.clear();
    flushRefusals();
    updateAutoRead();
  }

  // ---- requests ----------------------------------------------------------------------------

  private void serve(byte[] bytes) {
    switch (encoding.codec().decodeClient(bytes)) {
      case Decoded.Malformed m -> {
        log.debug("malformed frame from {}: {}", remote(), m.reason());
        write(Frames.error(m.requestId(), ErrorCode.MALFORMED_FRAME, m.reason(), 0));
      }
      case Decoded.Invalid i -> {
        log.debug("invalid frame from {}: {}", remote(), i.reason());
        write(Frames.error(i.requestId(), ErrorCode.INVALID_ARGUMENT, i.reason(), 0));
      }
      case Decoded.Frame f -> dispatch(f.frame());
    }
  }

  private void dispatch(ClientFrame frame) {
    String id = frame.getId();
    if (id.length() > Ids.MAX_ID_LENGTH) {
      // Echoed as sent (it is in memory already), so that the client can match the answer.
      write(Frames.error(id, ErrorCode.INVALID_ARGUMENT, idTooLong(id), 0));
      return;
    }
    Session s = session;
    if (s == null) {
      return;
    }
    RateLimiter.Kind cost = cost(frame.getBodyCase());
    if (cost != null) {
      RateLimiter.Refusal refusal = gateway.limits().rates().acquire(s.rate, cost);
      if (refusal != null) {
        rateLimited(id, refusal);
        return;
      }
      refusalsInARow = 0;
    }
    Principal who = new Principal(s.app, s.user);
    Messenger messenger = gateway.messenger();
    Receipts receipts = gateway.services().receipts();
    Runnable action =
        switch (frame.getBodyCase()) {
          case AUTH ->
              () ->
                  write(
                      Frames.error(
                          id,
                          ErrorCode.ALREADY_AUTHENTICATED,
                          "this connection is already authenticated as '" + s.user + "'",
                          0));
          case PING ->
              () ->
                  write(
                      ServerFrame.newBuilder()
                          .setId(id)
                          .setPong(
                              Pong.newBuilder()
                                  .setClientTime(frame.getPing().getClientTime())
                                  .setServerTime(gateway.clock().millis()))
                          .build());
          case SEND -> () -> send(id, who, frame.getSend());
          case SYNC -> {
            Sync sync = frame.getSync();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setSyncResult(
                                Frames.syncResult(
                                    messenger.sync(who, sync.getCursor(), sync.getLimit()))));
          }
          case PULL -> {
            Pull pull = frame.getPull();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setMessages(
                                Frames.messagePage(
                                    messenger.pull(
                                        who,
                                        ConversationId.parse(pull.getConversation()),
                                        pull.getAfterSeq(),
                                        pull.getLimit()))));
          }
          case HISTORY -> {
            History history = frame.getHistory();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setMessages(
                                Frames.messagePage(
                                    messenger.history(
                                        who,
                                        ConversationId.parse(history.getConversation()),
                                        history.getBeforeSeq(),
                                        history.getLimit()))));
          }
          case MARK_READ -> {
            MarkRead read = frame.getMarkRead();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setReadState(
                                Frames.readState(
                                    receipts.markRead(
                                        who,
                                        ConversationId.parse(read.getConversation()),
                                        read.getSeq()))));
          }
          case DELIVERED -> {
            Delivered delivered = frame.getDelivered();
            yield () ->
                serveNotification(
                    id,
                    false,
                    () -> {
                      ConversationId conversation =
                          ConversationId.parse(delivered.getConversation());
                      long seq = receipts.delivered(who, conversation, delivered.getSeq()).join();
                      return ServerFrame.newBuilder()
                          .setDeliveryReceipt(Frames.deliveryReceipt(conversation, s.user, seq));
                    },
                    e -> true);
          }
          case GET_RECEIPTS -> {
            GetReceipts get = frame.getGetReceipts();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setReceipts(
                                Frames.receipts(
                                    receipts.receipts(
                                        who,
                                        ConversationId.parse(get.getConversation()),
                                        get.getCursor(),
                                        get.getLimit()))));
          }
          case TYPING -> () -> typing(id, who, frame.getTyping());
          case SUBSCRIBE_PRESENCE -> {
            List<String> users = frame.getSubscribePresence().getUsersList();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setPresenceList(
                                Frames.presenceList(
                                    gateway.services().presence().subscribe(s, users))));
          }
          case GROUP_COMMAND -> {
            GroupCommand command = frame.getGroupCommand();
            yield () ->
                serveAsync(
                    id,
                    () -> {
                      ServerFrame.Builder answer =
                          GroupFrames.answer(gateway.services().groups(), who, command);
                      auditGroupBan(who, command);
                      return answer;
                    });
          }
          case RECALL -> {
            Recall recall = frame.getRecall();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setSendAck(
                                Frames.sendAck(
                                    lifecycle()
                                        .recall(
                                            who,
                                            ConversationId.parse(recall.getConversation()),
                                            recall.getSeq())
                                        .join())));
          }
          case EDIT -> {
            Edit edit = frame.getEdit();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setSendAck(
                                Frames.sendAck(
                                    lifecycle()
                                        .edit(
                                            who,
                                            ConversationId.parse(edit.getConversation()),
                                            edit.getSeq(),
                                            edit.getText(),
                                            edit.getPayload())
                                        .join())));
          }
          case DELETE_FOR_ME -> {
            DeleteForMe delete = frame.getDeleteForMe();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setDeletedForMe(
                                Frames.deletedForMe(
                                    lifecycle()
                                        .deleteForMe(
                                            who,
                                            ConversationId.parse(delete.getConversation()),
                                            delete.getSeq()))));
          }
          case REACT -> {
            React react = frame.getReact();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setSendAck(
                                Frames.sendAck(
                                    lifecycle()
                                        .react(
                                            who,
                                            ConversationId.parse(react.getConversation()),
                                            react.getSeq(),
                                            react.getEmoji(),
                                            react.getRemove())
                                        .join())));
          }
          case FORWARD -> {
            Forward forward = frame.getForward();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setSendAck(
                                Frames.sendAck(
                                    lifecycle()
                                        .forward(who, Frames.forwardRequest(forward))
                                        .join())));
          }
          case JOIN_CHATROOM -> {
            JoinChatroom join = frame.getJoinChatroom();
            yield () -> joinChatroom(id, s, join);
          }
          case LEAVE_CHATROOM -> {
            String room = frame.getLeaveChatroom().getRoom();
            yield () -> serveAsync(id, () -> leaveChatroom(s, room));
          }
          case SEND_FRIEND_REQUEST -> {
            SendFriendRequest r = frame.getSendFriendRequest();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        contact(
                            contacts().sendRequest(s.app, s.user, r.getUser(), r.getMessage())));
          }
          case RESPOND_FRIEND_REQUEST -> {
            RespondFriendRequest r = frame.getRespondFriendRequest();
            yield () ->
                serveAsync(
                    id,
                    () -> contact(contacts().respond(s.app, s.user, r.getUser(), r.getAccept())));
          }
          case LIST_FRIEND_REQUESTS -> {
            ListFriendRequests r = frame.getListFriendRequests();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setFriendRequests(
                                SocialFrames.friendRequests(
                                    contacts()
                                        .requests(
                                            s.app,
                                            s.user,
                                            r.getOutgoing(),
                                            r.getCursor(),
                                            r.getLimit()))));
          }
          case LIST_FRIENDS -> {
            ListFriends r = frame.getListFriends();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setFriends(
                                SocialFrames.friends(
                                    contacts()
                                        .friends(s.app, s.user, r.getCursor(), r.getLimit()))));
          }
          case REMOVE_FRIEND -> {
            String user = frame.getRemoveFriend().getUser();
            yield () -> serveAsync(id, () -> contact(contacts().removeFriend(s.app, s.user, user)));
          }
          case BLOCK_USER -> {
            String user = frame.getBlockUser().getUser();
            yield () -> serveAsync(id, () -> contact(contacts().block(s.app, s.user, user)));
          }
          case UNBLOCK_USER -> {
            String user = frame.getUnblockUser().getUser();
            yield () -> serveAsync(id, () -> contact(contacts().unblock(s.app, s.user, user)));
          }
          case LIST_BLOCKED -> {
            ListBlocked r = frame.getListBlocked();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setBlocked(
                                SocialFrames.blocked(
                                    contacts()
                                        .blocked(s.app, s.user, r.getCursor(), r.getLimit()))));
          }
          case UPDATE_CONVERSATION -> {
            UpdateConversation u = frame.getUpdateConversation();
            yield () ->
                serveAsync(
                    id,
                    () ->
                        ServerFrame.newBuilder()
                            .setConversationState(
                                Frames.conversationState(
                                    gateway
                                        .services()
                                        .conversations()
                                        .update(
                                            s.app,
                                            s.user,
                                            ConversationId.parse(u.getConversation()),
                                            SocialFrames.change(u)))));
          }
          case BODY_NOT_SET ->
              () ->
                  write(
                      Frames.error(
                          id,
                          ErrorCode.UNKNOWN_FRAME,
                          "the frame has no body this server knows",
                          0));
        };
    action.run();
  }

  /**
   * What a request costs against the rate limits: nothing for {@code ping} (the heartbeat), a
   * second {@code auth} and unknown frames (answered at once on the event loop, like a refusal);
   * the signal class for typing and receipts; a request otherwise.
   */
  private static RateLimiter.@Nullable Kind cost(ClientFrame.BodyCase body) {
    return switch (body) {
      case PING, AUTH, BODY_NOT_SET -> null;
      case TYPING, DELIVERED, MARK_READ -> RateLimiter.Kind.SIGNAL;
      case SEND,
          SYNC,
          PULL,
          HISTORY,
          GET_RECEIPTS,
          SUBSCRIBE_PRESENCE,
          GROUP_COMMAND,
          RECALL,
          EDIT,
          DELETE_FOR_ME,
          REACT,
          FORWARD,
          JOIN_CHATROOM,
          LEAVE_CHATROOM,
          SEND_FRIEND_REQUEST,
          RESPOND_FRIEND_REQUEST,
          LIST_FRIEND_REQUESTS,
          LIST_FRIENDS,
          REMOVE_FRIEND,
          BLOCK_USER,
          UNBLOCK_USER,
          LIST_BLOCKED,
          UPDATE_CONVERSATION ->
          RateLimiter.Kind.REQUEST;
    };
  }

  /**
   * Event loop: answers a refused request with {@code error} RATE_LIMITED and its retry-after, on
   * the event loop, touching nothing else (no store, no log line). After {@code
   * limits.rate.refusals-before-pause} refusals in a row, stops reading the socket until the
   * refusing bucket has a token again: a client that ignores retry-after then floods only its own
   * TCP buffers, not the event loop it shares with other connections.
   */
  private void rateLimited(String id, RateLimiter.Refusal refusal) {
    Channel ch = channel;
    if (ch == null) {
      return;
    }
    // Flushed once per read batch (channelReadComplete): a flood's refusals share syscalls.
    ch.write(
        Frames.error(id, ErrorCode.RATE_LIMITED, refusal.message(), refusal.retryAfterMillis()));
    unflushed = true;
    int pauseAfter = gateway.limits().rates().limits().refusalsBeforePause();
    if (pauseAfter > 0 && ++refusalsInARow >= pauseAfter && !ratePaused) {
      // A flood that goes on right after a pause ended is paused twice as long each time, up to
      // limits.rate.max-pause-ms: a sustained flood then costs about one read per that interval.
      long base = Math.max(1, refusal.retryAfterMillis());
      long max = Math.max(base, gateway.limits().rates().limits().maxPauseMillis());
      boolean again = resumedAtNanos != 0 && System.nanoTime() - resumedAtNanos < 1_000_000_000L;
      pauseMillis = again ? Math.min(max, Math.max(base, pauseMillis * 2)) : base;
      if (!again) {
        // From its first pause on, a flooder's socket gets a small receive buffer: while reading is
        // paused the kernel holds only that much for it and TCP pushes back on the flooder, instead
        // of megabytes piling up to be read (and dropped) in one burst when reading resumes.
        ch.config().setOption(ChannelOption.SO_RCVBUF, FLOODER_RECEIVE_BUFFER_BYTES);
      }
      ratePaused = true;
      pausedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
      pauseRefusals = pauseAfter;
      updateAutoRead();
      resumeTimer =
          schedule(
              () -> {
                ratePaused = false;
                resumedAtNanos = System.nanoTime();
                updateAutoRead();
              },
              pauseMillis);
    }
  }

  /**
   * Event loop: answers a frame read during a rate pause (in the read batch that paused the
   * connection) with RATE_LIMITED and the time left in the pause, decoding only its id: cheap, like
   * the refusals before it, and no request goes unanswered.
   */
  private void refusePaused(byte[] bytes) {
    Channel ch = channel;
    if (ch == null) {
      return;
    }
    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(pausedUntilNanos - System.nanoTime()));
    ch.write(
        Frames.error(
            encoding.codec().requestId(bytes),
            ErrorCode.RATE_LIMITED,
            "rate limited: "
                + pauseRefusals
                + " requests in a row were refused, so this connection is not read for "
                + left
                + " ms; retry after "
                + left
                + " ms",
            left));
    unflushed = true;
  }

  /** Virtual thread, at auth: takes the user's connection slot or refuses with 4107. */
  private void takeUserSlot(Principal who) {
    String key = who.app() + "/" + who.user();
    if (!gateway.tryAcquireUserSlot(key)) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "user '"
              + who.user()
              + "' has "
              + gateway.limits().maxConnectionsPerUser()
              + " connections open already (gateway.max-connections-per-user)");
    }
    userSlot.set(key);
    if (closing.get()) {
      releaseUserSlot(); // closed meanwhile: channelInactive may have run before the set
    }
  }

  /** Any thread, idempotent. */
  private void releaseUserSlot() {
    String key = userSlot.getAndSet(null);
    if (key != null) {
      gateway.releaseUserSlot(key);
    }
  }

  private MessageLifecycle lifecycle() {
    return gateway.services().lifecycle();
  }

  /** Runs {@code work} on a virtual thread and answers with its result or its error. */
  private void serveAsync(String id, Supplier<ServerFrame.Builder> work) {
    started();
    try {
      gateway
          .blocking()
          .execute(() -> {
            ServerFrame answer;
            try {
              answer = work.get().setId(id).build();
            } catch (RuntimeException e) {
              answer = errorFor(id, e);
            }
            respond(answer);
            finished();
          });
    } catch (RejectedExecutionException e) {
      finished();
      write(Frames.error(id, ErrorCode.UNAVAILABLE, "the server is shutting down", 0));
    }
  }

  /**
   * Runs a notification ({@code delivered}, {@code typing}) on a virtual thread; {@code ordered}
   * ones queue behind this connection's sends (and each other), so that a typing stop never
   * overtakes its start. It is answered like a request when it carries an id; without one, only an
   * error is sent (with an empty id), and only if {@code reportWithoutId} says so.
   */
  private void serveNotification(
      String id,
      boolean ordered,
      Supplier<ServerFrame.Builder> work,
      Predicate<WarblerException> reportWithoutId) {
    Runnable task =
        () -> {
          try {
            ServerFrame.Builder answer = work.get();
            if (!id.isEmpty()) {
              respond(answer.setId(id).build());
            }
          } catch (RuntimeException e) {
            if (!id.isEmpty()
                || !(cause(e) instanceof WarblerException w)
                || reportWithoutId.test(w)) {
              respond(errorFor(id, e));
            }
          }
          finished();
        };
    started();
    if (ordered) {
      sends.add(task);
      drainSends();
      return;
    }
    try {
      gateway.blocking().execute(task);
    } catch (RejectedExecutionException e) {
      finished();
      if (!id.isEmpty()) {
        write(Frames.error(id, ErrorCode.UNAVAILABLE, "the server is shutting down", 0));
      }
    }
  }

  /**
   * A typing notification: dropped silently past the connection's rate limit (answered with the
   * echo when it has an id, or the refusal the user would get: NOT_MEMBER, MUTED ...); a
   * LIMIT_EXCEEDED or MUTED refusal without an id is reported once per conversation.
   */
  private void typing(String id, Principal who, Typing request) {
    String conversation = request.getConversation();
    boolean active = request.getActive();
    if (!typing.allow(conversation, active, gateway.clock().millis())) {
      if (!id.isEmpty()) {
        // Dropped, but still answered as the caller may see it: only who may type gets the echo.
        serveNotification(
            id,
            true,
            () -> {
              ConversationId c = ConversationId.parse(conversation);
              gateway.services().receipts().checkTyping(who, c);
              return ServerFrame.newBuilder()
                  .setTypingEvent(Frames.typingEvent(c, who.user(), active));
            },
            e -> true);
      }
      return;
    }
    serveNotification(
        id,
        true,
        () -> {
          ConversationId c = ConversationId.parse(conversation);
          gateway.services().receipts().typing(who, c, active);
          return ServerFrame.newBuilder().setTypingEvent(Frames.typingEvent(c, who.user(), active));
        },
        e ->
            (e.code() != ErrorCode.LIMIT_EXCEEDED && e.code() != ErrorCode.MUTED)
                || typing.firstRefusal(conversation));
  }

  /**
   * Sends run one after another per connection (validation may read the store, so on a virtual
   * thread), which keeps a connection's messages in the order it sent them; each is answered when
   * its append is durable, without holding up the next.
   */
  private void send(String id, Principal who, Send send) {
    Session s = session;
    SendRequest request;
    try {
      request = Frames.sendRequest(send);
    } catch (WarblerException e) {
      write(Frames.error(id, e));
      return;
    }
    started();
    sends.add(() -> {
      CompletableFuture<AppendResult> result;
      try {
        result =
            request.target() instanceof SendRequest.Target.ToConversation to
                    && to.conversation().kind() == ConversationId.Kind.ROOM
                    && s != null
                ? CompletableFuture.completedFuture(
                    gateway
                        .services()
                        .chatrooms()
                        .send(s, to.conversation().first(), request)
                        .result())
                : gateway.messenger().send(who.app(), who.user(), request);
      } catch (RuntimeException e) {
        result = CompletableFuture.failedFuture(e);
      }
      result.whenComplete((r, e) -> {
        respond(
            e == null
                ? ServerFrame.newBuilder().setId(id).setSendAck(Frames.sendAck(r)).build()
                : errorFor(id, e));
        finished();
      });
    });
    drainSends();
  }

  private void drainSends() {
    if (!sending.compareAndSet(false, true)) {
      return;
    }
    try {
      gateway.blocking().execute(this::runSends);
    } catch (RejectedExecutionException e) {
      sending.set(false);
      sends.clear();
    }
  }

  private void runSends() {
    do {
      Runnable next;
      while ((next = sends.poll()) != null) {
        next.run();
      }
      sending.set(false);
    } while (!sends.isEmpty() && sending.compareAndSet(false, true));
  }

  // ---- chatrooms, contacts and conversation settings -----------------------------------------

  private Contacts contacts() {
    return gateway.services().contacts();
  }

  private static ServerFrame.Builder contact(Relation relation) {
    return ServerFrame.newBuilder().setContact(SocialFrames.contact(relation));
  }

  /**
   * Joins on a virtual thread (the room's definition may have to be read from the store). The
   * answer is written while the room is locked, so it goes out before any message sent after the
   * join. A connection that closed meanwhile leaves again: its close may have run before the join.
   */
  private void joinChatroom(String id, Session s, JoinChatroom join) {
    Chatrooms rooms = gateway.services().chatrooms();
    answerAsync(
        id,
        () -> {
          rooms.join(
              s,
              join.getRoom(),
              join.getRecent(),
              joined ->
                  respond(
                      ServerFrame.newBuilder()
                          .setId(id)
                          .setChatroomJoined(SocialFrames.chatroomJoined(joined))
                          .build()));
          if (closing.get()) {
            rooms.leaveAll(s);
          }
        });
  }

  /**
   * Off the event loop: leaving takes each room's lock, which a large fan-out may hold for a while.
   * The connection is closing, so pushes to it are dropped meanwhile.
   */
  private void leaveChatrooms(Session s) {
    Chatrooms rooms = gateway.services().chatrooms();
    try {
      gateway.blocking().execute(() -> rooms.leaveAll(s));
    } catch (RejectedExecutionException e) {
      rooms.leaveAll(s); // shutting down: blocking the loop briefly is harmless now
    }
  }

  private ServerFrame.Builder leaveChatroom(Session s, String room) {
    gateway.services().chatrooms().leave(s, room);
    return ServerFrame.newBuilder().setChatroomLeft(ChatroomLeft.newBuilder().setRoom(room));
  }

  /** Runs {@code work} on a virtual thread; it writes its own answer, a failure is answered. */
  private void answerAsync(String id, Runnable work) {
    started();
    try {
      gateway
          .blocking()
          .execute(() -> {
            try {
              work.run();
            } catch (RuntimeException e) {
              respond(errorFor(id, e));
            }
            finished();
          });
    } catch (RejectedExecutionException e) {
      finished();
      write(Frames.error(id, ErrorCode.UNAVAILABLE, "the server is shutting down", 0));
    }
  }

  private static Throwable cause(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private ServerFrame errorFor(String id, Throwable failure) {
    Throwable cause = cause(failure);
    if (cause instanceof WarblerException e) {
      log.debug("request {} from {} failed: {} {}", id, remote(), e.code(), e.getMessage());
      Session s = session;
      if (s != null && Audit.isPermissionDenial(e.code())) {
        gateway
            .services()
            .audit()
            .failure(
                s.app,
                Audit.user(s.user),
                remoteIp(),
                Audit.ACCESS_DENIED,
                "",
                AuditEvent.DENIED,
                e.code().name());
      }
      return Frames.error(id, e);
    }
    log.warn("request {} from {} failed unexpectedly", id, remote(), cause);
    return Frames.error(id, ErrorCode.INTERNAL, "internal error", 0);
  }

  private void started() {
    inFlight.incrementAndGet();
    updateAutoRead();
  }

  /** Any thread: one request answered; resumes reading when it was paused for in-flight work. */
  private void finished() {
    if (inFlight.decrementAndGet() == Gateway.MAX_IN_FLIGHT - 1) {
      onLoop(this::updateAutoRead);
    }
  }

  /**
   * Event loop: reads while the connection may send: not while its token is checked, not with
   * {@link Gateway#MAX_IN_FLIGHT} requests unanswered or during a rate pause, and never while the
   * channel is not writable (more than half of {@code maxOutboundBytes} queued: the client is not
   * reading what it asked for, so it is not read either until the queue drains below a quarter).
   */
  private void updateAutoRead() {
    Channel ch = channel;
    if (ch == null || lingering) {
      return;
    }
    boolean read =
        switch (state) {
          case HANDSHAKING -> true;
          case AUTHENTICATING -> false;
          case AUTHENTICATED ->
              inFlight.get() < Gateway.MAX_IN_FLIGHT && !ratePaused && ch.isWritable();
          case AWAITING_AUTH, CLOSING -> ch.isWritable();
        };
    if (ch.config().isAutoRead() != read) {
      ch.config().setAutoRead(read);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    updateAutoRead();
    ctx.fireChannelWritabilityChanged();
  }

  // ---- outbound ----------------------------------------------------------------------------

  /**
   * Every outbound frame of this connection passes here, on the event loop: encodes {@link
   * ServerFrame}s in the connection's encoding and admits each data frame against the outbound
   * bound (see {@link #admit}); a frame that does not fit is dropped and the connection closed as a
   * slow consumer.
   */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    Object out =
        msg instanceof ServerFrame frame
            ? wire(encoding, encoding.codec().encodeServer(frame))
            : msg;
    if (out instanceof WebSocketFrame frame) {
      boolean close = closeFrames || frame instanceof CloseWebSocketFrame;
      int size = frame.content().readableBytes();
      synchronized (admission) {
        // Once the close began (a slow consumer's dropped frame among the reasons), nothing but
        // the closing and close frames goes out: a frame admitted on another thread before the
        // close must not follow a dropped one, or the client would see a gap and no reason.
        if (!close && closing.get()) {
          ReferenceCountUtil.release(out);
          promise.tryFailure(CLOSING_DROP);
          return;
        }
        if (!(close ? admitClosing(size) : admit(size))) {
          ReferenceCountUtil.release(out);
          promise.tryFailure(close ? CLOSE_FRAME_DROP : SLOW_CONSUMER_DROP);
          return;
        }
        if (out instanceof TextWebSocketFrame || out instanceof BinaryWebSocketFrame) {
          gateway.frameOut();
        }
        ctx.write(out, promise);
      }
      return;
    }
    ctx.write(out, promise);
  }

  /** Why a frame was not sent: the connection is closing. */
  private static final Exception CLOSING_DROP =
      new Exception("connection closing; frame dropped", null, false, false) {};

  /** Why a close frame was not sent: the outbound queue was at its bound. */
  private static final Exception CLOSE_FRAME_DROP =
      new Exception("outbound queue full; close frame not sent", null, false, false) {};

  /** Why a frame was dropped: the connection's outbound queue had no room for it. */
  private static final Exception SLOW_CONSUMER_DROP =
      new Exception("outbound queue full; frame dropped", null, false, false) {};

  /**
   * Bytes queued for {@code ch} and not yet taken by the kernel: encoded frames in Netty's outbound
   * buffer plus frames handed over by other threads and not yet written (Netty counts those when
   * submitted). Netty exposes the count only relative to the water marks.
   */
  static long queuedBytes(Channel ch) {
    long beforeUnwritable = ch.bytesBeforeUnwritable();
    if (beforeUnwritable > 0) {
      return Math.max(0, ch.config().getWriteBufferHighWaterMark() + 1 - beforeUnwritable);
    }
    long beforeWritable = ch.bytesBeforeWritable();
    // No outbound buffer (closed, or output shut down after the close frame): nothing queued.
    return beforeWritable == Long.MAX_VALUE
        ? 0
        : ch.config().getWriteBufferLowWaterMark() - 1 + beforeWritable;
  }

  /**
   * Room kept in the outbound bound for the {@code closing} and close frames (each at most 125
   * bytes of reason plus framing), so that a connection closed at its bound still gets them.
   */
  static final int CLOSE_RESERVE_BYTES = 512;

  /** Bytes a frame with {@code payload} bytes takes on the wire (RFC 6455 server framing). */
  static int wireBytes(int payload) {
    return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
  }

  /**
   * Any thread: whether a frame (data or pong) with {@code payload} bytes may be queued. It may
   * when nothing is queued (so one frame larger than the bound still goes to a client that keeps
   * up) or when the queue stays within {@code maxOutboundBytes} minus {@link #CLOSE_RESERVE_BYTES};
   * otherwise the client is a slow consumer and is closed. So the queue never holds more than the
   * larger of the bound and one frame plus the closing and close frames.
   */
  private boolean admit(int payload) {
    Channel ch = channel;
    if (ch == null) {
      return false;
    }
    long queued = queuedBytes(ch);
    long size = wireBytes(payload);
    long limit = Math.max(1, gateway.config().maxOutboundBytes() - CLOSE_RESERVE_BYTES);
    if (queued == 0 || queued + size <= limit) {
      gateway.queued(queued + size);
      return true;
    }
    slowConsumer(queued);
    return false;
  }

  /**
   * Event loop: whether the {@code closing} or close frame may be queued; it may within the whole
   * bound (the reserve of {@link #admit}). One that does not fit is not sent and the socket is
   * closed without it (the client sees 1006).
   */
  private boolean admitClosing(int payload) {
    Channel ch = channel;
    if (ch == null) {
      return false;
    }
    long queued = queuedBytes(ch);
    long size = wireBytes(payload);
    if (queued == 0 || queued + size <= gateway.config().maxOutboundBytes()) {
      gateway.queued(queued + size);
      return true;
    }
    return false;
  }

  /** Any thread: closes with 4000 unless already closing, and counts it once. */
  private void slowConsumer(long queued) {
    if (close(
        CloseCode.SLOW_CONSUMER,
        "more than " + gateway.config().maxOutboundBytes() + " bytes queued; reconnect and sync",
        true)) {
      gateway.slowConsumer(queued);
      Session s = session;
      log.info(
          "{} is a slow consumer ({} bytes queued); closing",
          s == null ? remote() : s.toString(),
          queued);
    }
  }

  private static WebSocketFrame wire(Encoding encoding, byte[] bytes) {
    return encoding.text()
        ? new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes))
        : new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes));
  }

  /** Event loop: writes a frame now. */
  private void write(ServerFrame frame) {
    Channel ch = channel;
    if (ch != null) {
      ch.writeAndFlush(frame);
    }
  }

  /**
   * Any thread: writes an answer unless the connection is closing. Encoded here, so that Netty
   * counts the answer's real size against the outbound bound while it waits for the event loop.
   */
  private void respond(ServerFrame frame) {
    Channel ch = channel;
    if (ch != null && !closing.get()) {
      Encoding e = encoding;
      byte[] bytes = e.codec().encodeServer(frame);
      synchronized (admission) {
        if (admit(bytes.length)) {
          ch.writeAndFlush(wire(e, bytes));
        }
      }
    }
  }

  /**
   * Any thread: closes the connection with {@code code} unless it is already closing; true if this
   * call started the close.
   */
  boolean requestClose(CloseCode code, String reason) {
    return close(code, reason, true);
  }

  private boolean close(CloseCode code, String reason, boolean withClosing) {
    Channel ch = channel;
    if (ch == null || !closing.compareAndSet(false, true)) {
      return false;
    }
    if (ch.eventLoop().inEventLoop()) {
      closeNow(ch, code, reason, withClosing);
    } else {
      try {
        ch.eventLoop().execute(() -> closeNow(ch, code, reason, withClosing));
      } catch (RejectedExecutionException e) {
        ch.close();
      }
    }
    return true;
  }

  private void closeNow(Channel ch, CloseCode code, String reason, boolean withClosing) {
    state = State.CLOSING;
    cancelTimers();
    pending.clear();
    if (!upgraded) {
      // Skip the WebSocket handlers: there is no WebSocket to send a close frame on yet.
      ch.pipeline().firstContext().close();
      return;
    }
    // Keep reading while the client reads, so that data it sends meanwhile cannot turn the close
    // into a reset; a client that does not read (the channel is not writable) is not read either.
    updateAutoRead();
    String clipped = closeReason(reason);
    ChannelFuture sent;
    closeFrames = true;
    try {
      if (withClosing) {
        ch.write(Frames.closing(code, clipped));
      }
      sent = ch.writeAndFlush(new CloseWebSocketFrame(code.code(), clipped));
    } finally {
      closeFrames = false;
    }
    sent.addListener(f -> {
      if (f.isSuccess() && ch instanceof DuplexChannel duplex && tlsFree(ch) && ch.isActive()) {
        lingerAfterClose(duplex);
      } else {
        ch.close();
      }
    });
    // A close frame stuck behind a backlog the client does not read, or a client that neither
    // answers it nor closes: the socket is dropped CLOSE_TIMEOUT after the close began.
    ScheduledFuture<?> giveUp =
        ch.eventLoop().schedule(() -> ch.close(), Gateway.CLOSE_TIMEOUT.toMillis(), MILLISECONDS);
    ch.closeFuture().addListener(f -> giveUp.cancel(false));
  }

  /**
   * What a closed client may still send and have discarded after the close frame, in bytes; then
   * the socket is no longer read until the linger ends.
   */
  static final int LINGER_MAX_BYTES = 64 * 1024;

  /**
   * How long the socket stays half-closed after the close frame was written, for a client that does
   * not close it: ample for a client that reads to take the close frame (a round trip), short
   * enough that closed connections do not pile up.
   */
  static final Duration LINGER = Duration.ofSeconds(1);

  /**
   * After the close frame: half-closes (FIN) and keeps reading, discarding the bytes undecoded,
   * until the client closes too (it answers our close frame, or just closes) or {@link #LINGER}
   * passes; past {@link #LINGER_MAX_BYTES} the socket is not read any more. Closing at once while
   * the client's frames sit unread in the kernel would reset the connection, and a reset throws
   * away what the client had not read yet, the close frame included: a client that sends while it
   * is being closed (a flooder, a pipelining client) would never learn the code.
   */
  private void lingerAfterClose(DuplexChannel ch) {
    lingering = true;
    ch.pipeline().addFirst("linger", new Discard());
    ch.config().setAutoRead(true);
    ch.shutdownOutput()
        .addListener(f -> {
          if (!f.isSuccess()) {
            ch.close();
            return;
          }
          ScheduledFuture<?> end =
              ch.eventLoop().schedule(() -> ch.close(), LINGER.toMillis(), MILLISECONDS);
          ch.closeFuture().addListener(c -> end.cancel(false));
        });
  }

  /** Releases inbound bytes during the linger; stops reading after {@link #LINGER_MAX_BYTES}. */
  private static final class Discard extends ChannelInboundHandlerAdapter {
    private long left = LINGER_MAX_BYTES;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        left -= b.readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (left <= 0) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // Nothing was passed on.
    }
  }

  /**
   * Whether the connection is plain TCP. Over TLS a half-close would skip the TLS close_notify, so
   * there the socket is closed right after the close frame, as Netty does.
   */
  private static boolean tlsFree(Channel ch) {
    return ch.pipeline().get(SslHandler.class) == null;
  }

  // ---- the core's view ---------------------------------------------------------------------

  /** The authenticated connection as {@link dev.warbler.core.sessions.Sessions} sees it. */
  private final class Session implements Connection {
    private final String app;
    private final String user;
    private final String id;
    private final Channel channel;
    private final Encoding encoding;
    private final String tokenId;
    private final RateLimiter.Subject rate;

    Session(
        String app,
        String user,
        String id,
        Channel channel,
        Encoding encoding,
        String tokenId,
        RateLimiter.Subject rate) {
      this.app = app;
      this.user = user;
      this.id = id;
      this.channel = channel;
      this.encoding = encoding;
      this.tokenId = tokenId;
      this.rate = rate;
    }

    @Override
    public String tokenId() {
      return tokenId;
    }

    @Override
    public String app() {
      return app;
    }

    @Override
    public String user() {
      return user;
    }

    /**
     * Called on the store's writer thread; never blocks. Drops the message and closes with 4000
     * when the outbound queue is over {@code maxOutboundBytes}: the client will pull it by seq.
     */
    @Override
    public void push(ChatMessage message) {
      offer(() -> gateway.pushBytes(message, encoding));
    }

    /**
     * Called on event loops, virtual threads or the store's writer; never blocks, like a message.
     */
    @Override
    public void push(StateEvent event) {
      if (writable()) {
        channel.writeAndFlush(Frames.pushed(event));
      }
    }

    /** Called with the room locked, off the event loop; never blocks. */
    @Override
    public void pushRoom(RoomEvent event) {
      offer(() -> gateway.roomPushBytes(event, encoding));
    }

    @Override
    public void pushContact(FriendRequestEvent event) {
      offer(() -> encoding.codec().encodeServer(SocialFrames.pushed(event)));
    }

    /**
     * Writes a pushed frame, or closes the connection as a slow consumer (see {@link #push}). The
     * frame is admitted here too, not only on the event loop: frames waiting for the loop count
     * against the bound, so a fast producer cannot queue tasks past it.
     */
    private void offer(Supplier<byte[]> frame) {
      if (writable()) {
        byte[] bytes = frame.get();
        synchronized (admission) {
          if (admit(bytes.length)) {
            channel.writeAndFlush(wire(encoding, bytes));
          }
        }
      }
    }

    /**
     * False when closing, or after closing a slow consumer (4000) whose queue is at the bound: a
     * shortcut that skips encoding; {@link FrameHandler#admit} decides for each frame.
     */
    private boolean writable() {
      if (closing.get()) {
        return false;
      }
      long queued = queuedBytes(channel);
      if (queued >= gateway.config().maxOutboundBytes() - CLOSE_RESERVE_BYTES) {
        slowConsumer(queued);
        return false;
      }
      return true;
    }

    @Override
    public void close(CloseCode code, String reason) {
      requestClose(code, reason);
    }

    @Override
    public String toString() {
      return "session " + id + " of " + app + "/" + user;
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private void onLoop(Runnable task) {
    Channel ch = channel;
    if (ch == null) {
      return;
    }
    try {
      ch.eventLoop().execute(task);
    } catch (RejectedExecutionException e) {
      // The event loop is shutting down; the channel goes with it.
    }
  }

  /** Like {@link #onLoop}; false when the task will not run (no channel, loop shut down). */
  private boolean tryOnLoop(Runnable task) {
    Channel ch = channel;
    if (ch == null) {
      return false;
    }
    try {
      ch.eventLoop().execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private @Nullable ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
    Channel ch = channel;
    return ch == null ? null : ch.eventLoop().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
  }

  private static void cancel(@Nullable ScheduledFuture<?> timer) {
    if (timer != null) {
      timer.cancel(false);
    }
  }

  private void cancelTimers() {
    cancel(handshakeTimer);
    cancel(authTimer);
    cancel(expiryTimer);
    cancel(resumeTimer);
  }

  /** Group bans by a moderator go to the audit log (not awaited: it never delays the answer). */
  private void auditGroupBan(Principal who, GroupCommand command) {
    String action;
    List<String> users;
    switch (command.getOpCase()) {
      case BAN -> {
        action = Audit.GROUP_BAN;
        users = command.getBan().getUsersList();
      }
      case UNBAN -> {
        action = Audit.GROUP_UNBAN;
        users = command.getUnban().getUsersList();
      }
      default -> {
        return;
      }
    }
    for (String user : users) {
      gateway
          .services()
          .audit()
          .record(
              who.app(),
              Audit.user(who.user()),
              remoteIp(),
              action,
              command.getGroup() + "/" + user,
              "");
    }
  }

  /**
   * The client's IP address (no port) for the audit log and the authentication throttle: the one
   * {@link HttpGuard} resolved through a trusted proxy, else the peer's; empty when unknown.
   */
  private String remoteIp() {
    Channel ch = channel;
    if (ch == null) {
      return "";
    }
    String forwarded = ch.attr(HttpGuard.CLIENT_ADDRESS).get();
    if (forwarded != null) {
      return forwarded;
    }
    return ch.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress()
        : "";
  }

  private String remote() {
    Channel ch = channel;
    return ch == null ? "?" : String.valueOf(ch.remoteAddress());
  }

  private static int ceilSeconds(long millis) {
    return (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
  }

  private static String idTooLong(String id) {
    return "a request id must be at most "
        + Ids.MAX_ID_LENGTH
        + " characters but this one has "
        + id.length();
  }

  private static String bodyName(ClientFrame frame) {
    return frame.getBodyCase() == ClientFrame.BodyCase.BODY_NOT_SET
        ? "a frame with no known body"
        : frame.getBodyCase().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String clip(String s, int max) {
    return s.length() > max ? s.substring(0, max) : s;
  }

  private static String closeReason(String reason) {
    String r = reason;
    while (r.getBytes(StandardCharsets.UTF_8).length > MAX_CLOSE_REASON_BYTES) {
      r = r.substring(0, r.length() - 1);
    }
    return r;
  }
}
