package dev.warbler.gateway;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ServerFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a connection writes: encoding, the outbound admission check, slow consumers and the
 * close frames.
 *
 * <h2>Pushes and backpressure</h2>
 *
 * Every outbound data frame, push or answer, is admitted against {@code maxOutboundBytes}: one that
 * would take the bytes queued for the connection (in Netty, not yet taken by the kernel) past it
 * while something is already queued marks a slow consumer: the frame is dropped and the connection
 * closed with close 4000; the client reconnects, syncs and pulls what it missed. Pongs are admitted
 * the same way, and {@link #CLOSE_RESERVE_BYTES} of the bound are kept for the {@code closing} and
 * close frames, which are admitted against the whole bound. So the queue never holds more than the
 * larger of the bound and one frame plus those two. (Reading stops while more than half the bound
 * is queued: see {@link FrameHandler}.)
 *
 * <h2>Closing</h2>
 *
 * Every close the server starts sends {@code closing} {code, reason, reconnect} then a close frame
 * with the same code, except: the 1009/1007/1002 cases (no {@code closing}, see {@link
 * FrameHandler#exceptionCaught}), closes before the upgrade (the socket is just closed), and when a
 * frame does not fit the outbound bound (it is not sent). Frames received after that are ignored.
 * Once the close frame is written the server half-closes the TCP connection and discards what the
 * client still sends (up to {@link #LINGER_MAX_BYTES}) until the client closes or {@link #LINGER}
 * passes, so that a client that is still sending does not lose the close frame to a reset. If the
 * close frame cannot be written within {@link Gateway#CLOSE_TIMEOUT} the socket is dropped (the
 * client sees 1006).
 *
 * <p>Threading: {@link #write(ChannelHandlerContext, Object, ChannelPromise)} and {@link
 * #write(ServerFrame)} run on the event loop; {@link #respond}, {@link #push}, {@link #pushFrame},
 * {@link #requestClose} and {@link #close} may be called from any thread (event loops, virtual
 * threads, the store's writer, a chatroom's fan-out) and never block. One lock ({@code admission})
 * makes the admission of a frame and its hand-over to Netty one step.
 */
final class Outbound {
  private static final Logger log = LoggerFactory.getLogger(Outbound.class);

  /** Longest reason a close frame may carry, in UTF-8 bytes (RFC 6455: 125 minus the code). */
  private static final int MAX_CLOSE_REASON_BYTES = 123;

  /**
   * Room kept in the outbound bound for the {@code closing} and close frames (each at most 125
   * bytes of reason plus framing), so that a connection closed at its bound still gets them.
   */
  static final int CLOSE_RESERVE_BYTES = 512;

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

  /** Why a frame was not sent: the connection is closing. */
  private static final Exception CLOSING_DROP =
      new Exception("connection closing; frame dropped", null, false, false) {};

  /** Why a close frame was not sent: the outbound queue was at its bound. */
  private static final Exception CLOSE_FRAME_DROP =
      new Exception("outbound queue full; close frame not sent", null, false, false) {};

  /** Why a frame was dropped: the connection's outbound queue had no room for it. */
  private static final Exception SLOW_CONSUMER_DROP =
      new Exception("outbound queue full; frame dropped", null, false, false) {};

  private final Link link;
  private final int maxOutboundBytes;
  private final GatewayMeters meters;

  /** Event loop: the close began (stop the timers, drop held frames); see FrameHandler. */
  private final Runnable closeStarted;

  /** Event loop: reconsiders whether the socket is read (FrameHandler's read policy). */
  private final Runnable readPolicy;

  /**
   * Held while a data frame is admitted and handed to Netty (which counts it at once), so that
   * frames from several threads cannot all fit the bound separately and overshoot it together.
   */
  private final Object admission = new Object();

  /** Set while {@link #closeNow} writes the closing and close frames (admitted differently). */
  private boolean closeFrames;

  /** After the close frame went out: reading is the linger's business (see lingerAfterClose). */
  private boolean lingering;

  Outbound(
      Link link,
      int maxOutboundBytes,
      GatewayMeters meters,
      Runnable closeStarted,
      Runnable readPolicy) {
    this.link = link;
    this.maxOutboundBytes = maxOutboundBytes;
    this.meters = meters;
    this.closeStarted = closeStarted;
    this.readPolicy = readPolicy;
  }

  /**
   * Event loop: every outbound frame of this connection passes here (from {@link
   * FrameHandler#write}): encodes {@link ServerFrame}s in the connection's encoding and admits each
   * WebSocket frame against the outbound bound (see {@link #admit}); a frame that does not fit is
   * dropped and the connection closed as a slow consumer.
   */
  void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    Encoding encoding = link.encoding();
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
        if (!close && link.closing()) {
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
          meters.frameOut();
        }
        ctx.write(out, promise);
      }
      return;
    }
    ctx.write(out, promise);
  }

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
    Channel ch = link.channel();
    if (ch == null) {
      return false;
    }
    long queued = queuedBytes(ch);
    long size = wireBytes(payload);
    long limit = Math.max(1, maxOutboundBytes - CLOSE_RESERVE_BYTES);
    if (queued == 0 || queued + size <= limit) {
      meters.queued(queued + size);
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
    Channel ch = link.channel();
    if (ch == null) {
      return false;
    }
    long queued = queuedBytes(ch);
    long size = wireBytes(payload);
    if (queued == 0 || queued + size <= maxOutboundBytes) {
      meters.queued(queued + size);
      return true;
    }
    return false;
  }

  /** Any thread: closes with 4000 unless already closing, and counts it once. */
  private void slowConsumer(long queued) {
    if (close(
        CloseCode.SLOW_CONSUMER,
        "more than " + maxOutboundBytes + " bytes queued; reconnect and sync",
        true)) {
      meters.slowConsumer(queued);
      log.info("{} is a slow consumer ({} bytes queued); closing", link.who(), queued);
    }
  }

  private static WebSocketFrame wire(Encoding encoding, byte[] bytes) {
    return encoding.text()
        ? new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes))
        : new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes));
  }

  /** Event loop: writes a frame now. */
  void write(ServerFrame frame) {
    Channel ch = link.channel();
    if (ch != null) {
      ch.writeAndFlush(frame);
    }
  }

  /**
   * Any thread: writes an answer unless the connection is closing. Encoded here, so that Netty
   * counts the answer's real size against the outbound bound while it waits for the event loop.
   */
  void respond(ServerFrame frame) {
    Channel ch = link.channel();
    if (ch != null && !link.closing()) {
      Encoding e = link.encoding();
      byte[] bytes = e.codec().encodeServer(frame);
      synchronized (admission) {
        if (admit(bytes.length)) {
          ch.writeAndFlush(wire(e, bytes));
        }
      }
    }
  }

  /**
   * Any thread: writes a pushed frame of {@code encoding}, or closes the connection as a slow
   * consumer. The frame is admitted here too, not only on the event loop: frames waiting for the
   * loop count against the bound, so a fast producer cannot queue tasks past it.
   */
  void push(Encoding encoding, Supplier<byte[]> frame) {
    Channel ch = link.channel();
    if (ch != null && writable(ch)) {
      byte[] bytes = frame.get();
      synchronized (admission) {
        if (admit(bytes.length)) {
          ch.writeAndFlush(wire(encoding, bytes));
        }
      }
    }
  }

  /**
   * Any thread: writes a pushed frame, made only when the connection takes it and encoded on the
   * event loop.
   */
  void pushFrame(Supplier<ServerFrame> frame) {
    Channel ch = link.channel();
    if (ch != null && writable(ch)) {
      ch.writeAndFlush(frame.get());
    }
  }

  /**
   * False when closing, or after closing a slow consumer (4000) whose queue is at the bound: a
   * shortcut that skips encoding; {@link #admit} decides for each frame.
   */
  private boolean writable(Channel ch) {
    if (link.closing()) {
      return false;
    }
    long queued = queuedBytes(ch);
    if (queued >= maxOutboundBytes - CLOSE_RESERVE_BYTES) {
      slowConsumer(queued);
      return false;
    }
    return true;
  }

  /** After the close frame went out, the socket is read by the linger only. */
  boolean lingering() {
    return lingering;
  }

  /**
   * Any thread: closes the connection with {@code code} unless it is already closing; true if this
   * call started the close.
   */
  boolean requestClose(CloseCode code, String reason) {
    return close(code, reason, true);
  }

  /** Like {@link #requestClose}; {@code withClosing} false sends only the close frame. */
  boolean close(CloseCode code, String reason, boolean withClosing) {
    Channel ch = link.channel();
    if (ch == null || !link.startClosing()) {
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
    closeStarted.run();
    if (!link.upgraded()) {
      // Skip the WebSocket handlers: there is no WebSocket to send a close frame on yet.
      ch.pipeline().firstContext().close();
      return;
    }
    // Keep reading while the client reads, so that data it sends meanwhile cannot turn the close
    // into a reset; a client that does not read (the channel is not writable) is not read either.
    readPolicy.run();
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

  private static String closeReason(String reason) {
    String r = reason;
    while (r.getBytes(StandardCharsets.UTF_8).length > MAX_CLOSE_REASON_BYTES) {
      r = r.substring(0, r.length() - 1);
    }
    return r;
  }
}
