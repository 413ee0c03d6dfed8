package dev.warbler.api;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes HTTP/1.1 connections that take too long to deliver a request: no complete request line and
 * headers within {@link HttpTimeouts#header()} of the request's first byte (or of the connect, for
 * a connection that has sent nothing), or no complete body within {@link HttpTimeouts#body()} of
 * the first byte. Jetty 12 has no such deadline (its idle timeout restarts with each byte and its
 * minimum data rate is not enforced), so a sweeper looks at each open connection's parser a few
 * times per header timeout. Between requests a keep-alive connection is left to the idle timeout.
 *
 * <p>Registered as a {@link Connection.Listener} on every connector before the server starts; the
 * sweeper runs from {@link #start()} to {@link #close()}.
 */
final class SlowRequestGuard implements Connection.Listener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SlowRequestGuard.class);

  private final long headerNanos;
  private final long bodyNanos;
  private final long sweepMillis;
  private final Map<HttpConnection, Long> open = new ConcurrentHashMap<>();
  private final AtomicLong closed = new AtomicLong();
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "http-request-deadlines");
        t.setDaemon(true);
        return t;
      });

  SlowRequestGuard(HttpTimeouts timeouts) {
    this.headerNanos = timeouts.header().toNanos();
    this.bodyNanos = timeouts.body().toNanos();
    // A quarter of the shorter deadline: a connection is closed at most 25% late.
    long shortest = Math.min(timeouts.header().toMillis(), timeouts.body().toMillis());
    this.sweepMillis = Math.clamp(shortest / 4, 50, 1_000);
  }

  void start() {
    sweeper.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
  }

  /** Connections closed for a missed deadline since start. */
  long closed() {
    return closed.get();
  }

  @Override
  public void onOpened(Connection connection) {
    if (connection instanceof HttpConnection http) {
      open.put(http, System.nanoTime());
    }
  }

  @Override
  public void onClosed(Connection connection) {
    open.remove(connection);
  }

  private void sweep() {
    long now = System.nanoTime();
    try {
      open.forEach((c, openedAt) -> {
        String late = late(c, openedAt, now);
        if (late != null) {
          log.debug("closing {} from {}: {}", c, c.getEndPoint().getRemoteSocketAddress(), late);
          closed.incrementAndGet();
          open.remove(c);
          c.getEndPoint().close();
        }
      });
    } catch (RuntimeException e) {
      log.warn("request deadline sweep failed", e);
    }
  }

  /**
   * Why {@code c} is past a deadline, or null. Reads the parser from another thread: its state is
   * volatile, and a stale begin time only delays the close by one sweep.
   */
  private String late(HttpConnection c, long openedAt, long now) {
    HttpParser parser = c.getParser();
    if (parser.isStart()) {
      return c.getBytesIn() == 0 && now - openedAt > headerNanos
          ? "no request within the header timeout of the connect"
          : null;
    }
    long begin = parser.getBeginNanoTime();
    if (now - begin < 0 || now - begin > Duration.ofDays(1).toNanos()) {
      return null; // not set for this request yet
    }
    if (parser.inHeaderState() && now - begin > headerNanos) {
      return "request headers not complete within the header timeout";
    }
    if (parser.inContentState() && now - begin > bodyNanos) {
      return "request body not complete within the body timeout";
    }
    return null;
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }
}
