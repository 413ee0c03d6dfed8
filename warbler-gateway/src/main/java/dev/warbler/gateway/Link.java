package dev.warbler.gateway;

import dev.warbler.protocol.Encoding;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One connection as its parts ({@link FrameHandler}, {@link Outbound}, {@link Authenticator},
 * {@link RateGate}, {@link Replies}, {@link Requests}) share it: the channel, the protocol state,
 * the negotiated encoding, the session once authenticated, and the closing flag.
 *
 * <p>Threading: the channel is set once on the event loop when the handler is added, before any
 * other call. The state, the upgrade flag and the session are written on the event loop only; the
 * state is read there only. The closing flag and the encoding may be read from any thread, and
 * {@link #onLoop}, {@link #tryOnLoop}, {@link #remote} and {@link #remoteIp} be called from any.
 */
final class Link {

  /** Where the connection is in the protocol. */
  enum State {
    HANDSHAKING,
    AWAITING_AUTH,
    AUTHENTICATING,
    AUTHENTICATED,
    CLOSING
  }

  private final AtomicBoolean closing = new AtomicBoolean();
  private @Nullable Channel channel;
  private State state = State.HANDSHAKING;
  private volatile Encoding encoding = Encoding.JSON;
  private boolean upgraded;
  private @Nullable Session session;

  /** Event loop, once: the channel this connection is. */
  void attach(Channel channel) {
    this.channel = channel;
  }

  @Nullable Channel channel() {
    return channel;
  }

  /** Event loop only. */
  State state() {
    return state;
  }

  /** Event loop only. */
  void state(State state) {
    this.state = state;
  }

  /** The encoding the client chose at the upgrade; JSON until then. */
  Encoding encoding() {
    return encoding;
  }

  /** Event loop: the WebSocket upgrade completed with {@code encoding}. */
  void upgraded(Encoding encoding) {
    this.encoding = encoding;
    this.upgraded = true;
  }

  /** Whether the WebSocket upgrade completed (before it there is no WebSocket to close). */
  boolean upgraded() {
    return upgraded;
  }

  /** The authenticated session; null before auth. */
  @Nullable Session session() {
    return session;
  }

  /** Event loop: the connection authenticated as {@code session}. */
  void session(Session session) {
    this.session = session;
  }

  /** Any thread: whether the connection is closing; once true it stays so. */
  boolean closing() {
    return closing.get();
  }

  /** Any thread: marks the connection closing; true if this call did. */
  boolean startClosing() {
    return closing.compareAndSet(false, true);
  }

  /** Event loop: the channel closed. */
  void closed() {
    closing.set(true);
  }

  /** Runs {@code task} on the event loop; dropped when the loop is shutting down. */
  void onLoop(Runnable task) {
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
  boolean tryOnLoop(Runnable task) {
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

  /** Runs {@code task} on the event loop after {@code delayMillis}. */
  @Nullable ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
    Channel ch = channel;
    return ch == null ? null : ch.eventLoop().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
  }

  static void cancel(@Nullable ScheduledFuture<?> timer) {
    if (timer != null) {
      timer.cancel(false);
    }
  }

  /**
   * The client's IP address (no port) for the audit log and the authentication throttle: the one
   * {@link HttpGuard} resolved through a trusted proxy, else the peer's; empty when unknown.
   */
  String remoteIp() {
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

  /** The peer's address, for log lines. */
  String remote() {
    Channel ch = channel;
    return ch == null ? "?" : String.valueOf(ch.remoteAddress());
  }

  /** The session, or the peer address before auth; for log lines. */
  String who() {
    Session s = session;
    return s == null ? remote() : s.toString();
  }
}
