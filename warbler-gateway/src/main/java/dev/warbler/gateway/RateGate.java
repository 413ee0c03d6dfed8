package dev.warbler.gateway;

import dev.warbler.core.access.RateLimiter;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The rate limits of one authenticated connection ({@link dev.warbler.core.access.RateLimiter}):
 * each request draws a token from the user's bucket and the app's; {@code typing}, {@code
 * delivered} and {@code mark_read} from the user's signal bucket; {@code ping} is free. A refusal
 * is answered at once, on the event loop, with {@code error} RATE_LIMITED (retryable, {@code
 * retry_after_ms} = time until a token is due); nothing of the request is done or stored, so the
 * client may resend it (same client_msg_id) later. After {@code limits.rate.refusals-before-pause}
 * refusals in a row the server stops reading the socket until that time has passed; frames it had
 * read already by then (the same read batch) are answered RATE_LIMITED too, with the time left in
 * the pause, decoding only their id.
 *
 * <p>Threading: confined to the connection's event loop.
 */
final class RateGate {
  /** Kernel receive buffer of a connection once it was paused for flooding (see refuse). */
  static final int FLOODER_RECEIVE_BUFFER_BYTES = 8 * 1024;

  private final Link link;
  private final RateLimiter rates;

  /** Reconsiders whether the socket is read (FrameHandler's read policy). */
  private final Runnable readPolicy;

  /** Requests refused by the rate limits in a row; reset by the next one allowed. */
  private int refusalsInARow;

  /** The last rate pause's length, and when reading resumed after it (nanoTime; 0: never). */
  private long pauseMillis;

  private long resumedAtNanos;

  /** Reading stopped until the refusing bucket has a token again (see {@link #refuse}). */
  private boolean paused;

  /** When the current rate pause ends (nanoTime), and the refusals in a row that started it. */
  private long pausedUntilNanos;

  private int pauseRefusals;

  /** Refusals written but not flushed yet. */
  private boolean unflushed;

  private @Nullable ScheduledFuture<?> resumeTimer;

  RateGate(Link link, RateLimiter rates, Runnable readPolicy) {
    this.link = link;
    this.rates = rates;
    this.readPolicy = readPolicy;
  }

  /**
   * Whether a request of {@code body} from {@code session} may be served; if not it was answered
   * RATE_LIMITED (echoing {@code id}).
   */
  boolean admit(Session session, String id, ClientFrame.BodyCase body) {
    RateLimiter.Kind cost = cost(body);
    if (cost != null) {
      RateLimiter.Refusal refusal = rates.acquire(session.rate(), cost);
      if (refusal != null) {
        refuse(id, refusal);
        return false;
      }
      refusalsInARow = 0;
    }
    return true;
  }

  /**
   * What a request costs against the rate limits: nothing for {@code ping} (the heartbeat), a
   * second {@code auth} and unknown frames (answered at once on the event loop, like a refusal);
   * the signal class for typing and receipts; a request otherwise.
   */
  static RateLimiter.@Nullable Kind cost(ClientFrame.BodyCase body) {
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
   * Answers a refused request with {@code error} RATE_LIMITED and its retry-after, touching nothing
   * else (no store, no log line). After {@code limits.rate.refusals-before-pause} refusals in a
   * row, stops reading the socket until the refusing bucket has a token again: a client that
   * ignores retry-after then floods only its own TCP buffers, not the event loop it shares with
   * other connections.
   */
  private void refuse(String id, RateLimiter.Refusal refusal) {
    Channel ch = link.channel();
    if (ch == null) {
      return;
    }
    // Flushed once per read batch (channelReadComplete): a flood's refusals share syscalls.
    ch.write(
        Frames.error(id, ErrorCode.RATE_LIMITED, refusal.message(), refusal.retryAfterMillis()));
    unflushed = true;
    int pauseAfter = rates.limits().refusalsBeforePause();
    if (pauseAfter > 0 && ++refusalsInARow >= pauseAfter && !paused) {
      // A flood that goes on right after a pause ended is paused twice as long each time, up to
      // limits.rate.max-pause-ms: a sustained flood then costs about one read per that interval.
      long base = Math.max(1, refusal.retryAfterMillis());
      long max = Math.max(base, rates.limits().maxPauseMillis());
      boolean again = resumedAtNanos != 0 && System.nanoTime() - resumedAtNanos < 1_000_000_000L;
      pauseMillis = again ? Math.min(max, Math.max(base, pauseMillis * 2)) : base;
      if (!again) {
        // From its first pause on, a flooder's socket gets a small receive buffer: while reading is
        // paused the kernel holds only that much for it and TCP pushes back on the flooder, instead
        // of megabytes piling up to be read (and dropped) in one burst when reading resumes.
        ch.config().setOption(ChannelOption.SO_RCVBUF, FLOODER_RECEIVE_BUFFER_BYTES);
      }
      paused = true;
      pausedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
      pauseRefusals = pauseAfter;
      readPolicy.run();
      resumeTimer =
          link.schedule(
              () -> {
                paused = false;
                resumedAtNanos = System.nanoTime();
                readPolicy.run();
              },
              pauseMillis);
    }
  }

  /** Whether reading is paused for refused requests. */
  boolean paused() {
    return paused;
  }

  /**
   * Answers a frame read during a rate pause (in the read batch that paused the connection) with
   * RATE_LIMITED and the time left in the pause, decoding only its id: cheap, like the refusals
   * before it, and no request goes unanswered.
   */
  void refusePaused(byte[] bytes) {
    Channel ch = link.channel();
    if (ch == null) {
      return;
    }
    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(pausedUntilNanos - System.nanoTime()));
    ch.write(
        Frames.error(
            link.encoding().codec().requestId(bytes),
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

  /** Flushes the refusals written since the last flush (once per read batch). */
  void flush() {
    Channel ch = link.channel();
    if (unflushed && ch != null) {
      unflushed = false;
      ch.flush();
    }
  }

  /** The connection is closing: no resume. */
  void stop() {
    Link.cancel(resumeTimer);
  }
}
