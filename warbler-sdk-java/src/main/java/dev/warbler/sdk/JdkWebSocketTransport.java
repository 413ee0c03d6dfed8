package dev.warbler.sdk;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link Transport} over the JDK's {@link java.net.http.WebSocket}. */
final class JdkWebSocketTransport implements Transport {
  private static final SdkLog log = SdkLog.of(JdkWebSocketTransport.class);

  /**
   * Largest server frame the client assembles (64 MiB). Far above any frame a server sends (a page
   * of messages); it only keeps a broken server from exhausting the client's memory.
   */
  static final int MAX_INBOUND_FRAME_BYTES = 64 * 1024 * 1024;

  /** How long a clean close may wait for the server's close reply before the socket is dropped. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final HttpClient http;

  JdkWebSocketTransport(HttpClient http) {
    this.http = http;
  }

  @Override
  public CompletableFuture<Link> open(
      URI uri, Encoding encoding, Duration timeout, Inbound inbound) {
    JdkLink link = new JdkLink(encoding, inbound);
    return http.newWebSocketBuilder()
        .subprotocols(encoding.subprotocol())
        .connectTimeout(timeout)
        .buildAsync(uri, link)
        .thenApply(ws -> {
          if (!encoding.subprotocol().equals(ws.getSubprotocol())) {
            ws.abort();
            throw new WarblerConnectionException(
                WarblerConnectionException.ABNORMAL,
                "the server did not accept subprotocol "
                    + encoding.subprotocol()
                    + " (it chose '"
                    + ws.getSubprotocol()
                    + "')");
          }
          link.attach(ws);
          return link;
        });
  }

  private static final class JdkLink implements Link, WebSocket.Listener {
    private final Encoding encoding;
    private final Inbound inbound;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private final Object sendLock = new Object();
    // The JDK WebSocket allows one outstanding send; each send waits for the previous one.
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    private volatile WebSocket ws;

    JdkLink(Encoding encoding, Inbound inbound) {
      this.encoding = encoding;
      this.inbound = inbound;
    }

    void attach(WebSocket ws) {
      this.ws = ws;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      this.ws = webSocket;
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (text.length() > MAX_INBOUND_FRAME_BYTES) {
        tooBig(webSocket);
        return null;
      }
      if (last) {
        byte[] wire = text.toString().getBytes(StandardCharsets.UTF_8);
        text.setLength(0);
        deliver(webSocket, wire);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      binary.writeBytes(chunk);
      if (binary.size() > MAX_INBOUND_FRAME_BYTES) {
        tooBig(webSocket);
        return null;
      }
      if (last) {
        byte[] wire = binary.toByteArray();
        binary.reset();
        deliver(webSocket, wire);
      }
      webSocket.request(1);
      return null;
    }

    private void tooBig(WebSocket webSocket) {
      log.warn(
          "server frame larger than {} bytes; dropping the connection", MAX_INBOUND_FRAME_BYTES);
      webSocket.abort();
      closed(WarblerConnectionException.ABNORMAL, "server frame too large");
    }

    private void deliver(WebSocket webSocket, byte[] wire) {
      ServerFrame frame;
      try {
        frame = encoding.codec().decodeServer(wire);
      } catch (RuntimeException e) {
        log.warn("undecodable frame from the server; dropping the connection: {}", e.getMessage());
        webSocket.abort();
        closed(WarblerConnectionException.ABNORMAL, "undecodable frame from the server");
        return;
      }
      if (!closed.get()) {
        inbound.onFrame(frame);
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed(statusCode, reason);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed(WarblerConnectionException.ABNORMAL, String.valueOf(error.getMessage()));
    }

    private void closed(int code, String reason) {
      if (closed.compareAndSet(false, true)) {
        inbound.onClosed(code, reason);
      }
    }

    @Override
    public void send(ClientFrame frame) {
      byte[] wire = encoding.codec().encodeClient(frame);
      synchronized (sendLock) {
        lastSend =
            lastSend
                .exceptionally(e -> null)
                .thenCompose(x ->
                    encoding.text()
                        ? ws.sendText(new String(wire, StandardCharsets.UTF_8), true)
                        : ws.sendBinary(ByteBuffer.wrap(wire), true))
                .whenComplete((x, e) -> {
                  if (e != null) {
                    ws.abort();
                    closed(WarblerConnectionException.ABNORMAL, "send failed: " + e.getMessage());
                  }
                });
      }
    }

    @Override
    public void close(int code, String reason) {
      synchronized (sendLock) {
        lastSend =
            lastSend
                .exceptionally(e -> null)
                .thenCompose(x -> ws.sendClose(code, reason))
                .whenComplete((x, e) -> {
                  closed(code, reason);
                  if (e != null) {
                    ws.abort();
                  } else {
                    WebSocket socket = ws;
                    CompletableFuture.delayedExecutor(
                            CLOSE_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                        .execute(socket::abort);
                  }
                });
      }
    }

    @Override
    public void abort() {
      ws.abort();
      closed(WarblerConnectionException.ABNORMAL, "aborted by the client");
    }
  }
}
