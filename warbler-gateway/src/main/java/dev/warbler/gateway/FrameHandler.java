package dev.warbler.gateway;

import dev.warbler.core.access.RateLimits;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.gateway.Link.State;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the protocol v1 as the server speaks it. This is the connection's Netty
 * handler; it owns the connection-level rules below and hands the rest to its parts, each of which
 * states its own rules:
 *
 * <ul>
 *   <li>{@link Authenticator}: the first frame, the token checks, {@code auth_ok}, the frames held
 *       meanwhile, the per-user connection limit and the token's expiry.
 *   <li>{@link Requests}: decoding and dispatching each request after {@code auth_ok} to the
 *       handler of its capability ({@link MessagingRequests}, {@link LifecycleRequests}, {@link
 *       SignalRequests}, {@link GroupRequests}, {@link ChatroomRequests}, {@link ContactRequests});
 *       {@link Replies}: how requests run and are answered.
 *   <li>{@link RateGate}: the rate limits of requests and the pauses of a flooding connection.
 *   <li>{@link Outbound}: encoding, the outbound admission check (pushes and backpressure, slow
 *       consumers) and the close frames; {@link Session}: the connection as the core pushes to it.
 * </ul>
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
 *   <li>WebSocket pings are answered with pongs (through the outbound admission check); pongs are
 *       ignored. Each ping or pong costs a token of the connection's control-frame budget ({@link
 *       GatewayLimits#controlFrames()}, before auth too); a connection out of tokens gets {@code
 *       closing}{1008} and close 1008. Any inbound data or control frame resets the idle timer;
 *       nothing for {@code idleTimeout} closes with {@code closing}{4001} and close 4001.
 *   <li>Deliveries arrive as {@code message} frames with an empty id, only after {@code auth_ok},
 *       in seq order per conversation; receipts, typing and presence changes as {@code
 *       read_receipt}, {@code delivery_receipt}, {@code typing_event} and {@code presence_event}
 *       frames with an empty id; chatroom messages as {@code chatroom_message}, in seq order per
 *       room; friend-request events as {@code friend_request_event}.
 *   <li>The server stops reading the socket while more than half of {@code maxOutboundBytes} is
 *       queued (the channel is not writable) until it drains below a quarter, past {@link
 *       Gateway#MAX_IN_FLIGHT} unanswered requests until answers go out, while the token is
 *       checked, and during a rate pause ({@link #updateAutoRead}).
 * </ul>
 *
 * <p>Threading: Netty calls this handler on the channel's event loop; the connection's state
 * ({@link Link}) is confined to it, and so are the parts unless they say otherwise. Blocking work
 * (token checks, every store access) runs on the gateway's virtual threads; a connection's sends
 * and typing run one after another there, in the order received. {@link Session}'s pushes and
 * {@link #requestClose} may be called from any thread.
 */
final class FrameHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(FrameHandler.class);

  private final Link link = new Link();
  private final GatewayConfig config;
  private final GatewayMeters meters;
  private final Sessions sessions;
  private final ChatroomRequests rooms;
  private final RateLimits.Rate controlRate;

  /** WebSocket pings and pongs this connection may still send (limits.rate.control-*). */
  private final ControlFrameBudget controlBudget;

  private final Outbound out;
  private final RateGate rate;
  private final Replies replies;
  private final Requests requests;
  private final Authenticator auth;

  // Event-loop confined.
  private @Nullable ScheduledFuture<?> handshakeTimer;

  FrameHandler(Gateway gateway) {
    this.config = gateway.config();
    this.meters = gateway.meters();
    this.sessions = gateway.services().sessions();
    this.rooms = gateway.handlers().chatrooms();
    this.controlRate = gateway.limits().controlFrames();
    this.controlBudget = new ControlFrameBudget(controlRate);
    // One read policy shared by the parts that change what it depends on.
    Runnable readPolicy = this::updateAutoRead;
    this.out =
        new Outbound(link, config.maxOutboundBytes(), meters, this::closeStarted, readPolicy);
    this.rate = new RateGate(link, gateway.limits().rates(), readPolicy);
    this.replies =
        new Replies(link, out, gateway.blocking(), gateway.services().audit(), readPolicy);
    this.requests =
        new Requests(link, out, rate, replies, gateway.handlers(), gateway.services().clock());
    this.auth = new Authenticator(gateway.authentication(), link, out, requests, rate, readPolicy);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    link.attach(ctx.channel());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    handshakeTimer =
        link.schedule(
            () -> {
              if (link.state() == State.HANDSHAKING) {
                log.debug("no WebSocket upgrade from {} in time", ctx.channel().remoteAddress());
                requestClose(CloseCode.POLICY_VIOLATION, "handshake timeout");
              }
            },
            config.handshakeTimeout().toMillis());
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    link.closed();
    closeStarted();
    auth.releaseUserSlot();
    if (link.upgraded()) {
      meters.closed();
    }
    Session s = link.session();
    if (s != null) {
      sessions.remove(s);
      rooms.leaveAll(s);
      log.debug("session {} of {}/{} closed", s.id(), s.app(), s.user());
    }
    ctx.fireChannelInactive();
  }

  /**
   * Event loop: the close began (or the channel closed): the state says so, the timers stop and the
   * frames held before {@code auth_ok} are dropped.
   */
  private void closeStarted() {
    link.state(State.CLOSING);
    Link.cancel(handshakeTimer);
    auth.stop();
    rate.stop();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof HandshakeComplete handshake) {
      Link.cancel(handshakeTimer);
      String offered = handshake.selectedSubprotocol();
      link.upgraded(
          offered == null ? Encoding.JSON : Encoding.ofSubprotocol(offered).orElse(Encoding.JSON));
      meters.opened();
      auth.start();
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
      log.debug("message over the frame limit from {}: {}", link.remote(), cause.getMessage());
      out.close(CloseCode.TOO_BIG, "message larger than " + config.maxFrameBytes(), false);
    } else if (cause instanceof CorruptedWebSocketFrameException e) {
      // The decoder refuses a frame (unmasked, bad UTF-8, too long, bad opcode) and reads no more.
      log.debug("WebSocket protocol violation from {}: {}", link.remote(), e.getMessage());
      CloseCode code =
          CloseCode.of(e.closeStatus().code())
              .filter(c -> c.code() < 4000)
              .orElse(CloseCode.PROTOCOL_ERROR);
      out.close(code, String.valueOf(e.getMessage()), false);
    } else if (causeOf(cause, DecompressionException.class) != null) {
      log.debug("undecompressable message from {}: {}", link.remote(), cause.getMessage());
      out.close(CloseCode.PROTOCOL_ERROR, "permessage-deflate data could not be inflated", false);
    } else if (cause instanceof IOException) {
      log.debug("I/O error on {}: {}", link.remote(), cause.toString());
      ctx.close();
    } else {
      log.warn("unexpected error on the connection from {}", link.remote(), cause);
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
   * pong through {@link Outbound}, so the pong counts against the outbound bound like any frame; a
   * pong is dropped. Nothing is answered once the connection is closing.
   */
  void controlFrame(WebSocketFrame frame) {
    if (link.closing()) {
      return;
    }
    if (!controlBudget.tryTake(System.nanoTime())) {
      if (requestClose(
          CloseCode.POLICY_VIOLATION,
          "more than "
              + controlRate.perSecond()
              + " WebSocket pings or pongs per second (burst "
              + controlRate.burst()
              + ")")) {
        meters.controlFlood();
        log.info("{} sent WebSocket control frames too fast; closing with 1008", link.who());
      }
      return;
    }
    Channel ch = link.channel();
    if (frame instanceof PingWebSocketFrame && ch != null) {
      ch.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
    }
  }

  // ---- inbound -----------------------------------------------------------------------------

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    rate.flush();
    ctx.fireChannelReadComplete();
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
    meters.frameIn();
    if (link.closing()) {
      return;
    }
    if (rate.paused()) {
      // Read in the same batch as the refusal that paused the connection: refused too, with only
      // the id decoded, so that a pipelining client gets an answer for every request.
      rate.refusePaused(bytes);
      return;
    }
    Encoding encoding = link.encoding();
    if (text != encoding.text()) {
      log.debug("{} sent a {} frame on {}", link.remote(), text ? "text" : "binary", encoding);
      requestClose(
          CloseCode.UNSUPPORTED_DATA,
          encoding.subprotocol() + " frames travel in " + (encoding.text() ? "text" : "binary"));
      return;
    }
    switch (link.state()) {
      case AWAITING_AUTH -> auth.first(bytes);
      case AUTHENTICATING -> auth.hold(bytes);
      case AUTHENTICATED -> requests.serve(bytes);
      case HANDSHAKING, CLOSING -> {
        // Not upgraded yet, or closing: nothing to answer.
      }
    }
  }

  /**
   * Event loop: reads while the connection may send: not while its token is checked, not with
   * {@link Gateway#MAX_IN_FLIGHT} requests unanswered or during a rate pause, and never while the
   * channel is not writable (more than half of {@code maxOutboundBytes} queued: the client is not
   * reading what it asked for, so it is not read either until the queue drains below a quarter).
   */
  private void updateAutoRead() {
    Channel ch = link.channel();
    if (ch == null || out.lingering()) {
      return;
    }
    boolean read =
        switch (link.state()) {
          case HANDSHAKING -> true;
          case AUTHENTICATING -> false;
          case AUTHENTICATED ->
              replies.inFlight() < Gateway.MAX_IN_FLIGHT && !rate.paused() && ch.isWritable();
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

  /** Every outbound frame of this connection: encoded and admitted by {@link Outbound}. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    out.write(ctx, msg, promise);
  }

  /**
   * Any thread: closes the connection with {@code code} unless it is already closing; true if this
   * call started the close.
   */
  boolean requestClose(CloseCode code, String reason) {
    return out.requestClose(code, reason);
  }
}
