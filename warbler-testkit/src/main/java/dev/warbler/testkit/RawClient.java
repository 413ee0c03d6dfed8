package dev.warbler.testkit;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A protocol test client that speaks raw v1 frames over the JDK's {@link WebSocket}, with no
 * Warbler client code in between: what a test sends is exactly what goes on the wire.
 *
 * <p>Received frames queue up in arrival order. {@link #next} takes the oldest; {@link #await} and
 * {@link #request} look for a particular frame and keep the frames they pass over for later {@link
 * #next} calls. Reading can be paused ({@link #pauseReading}) to play a client that stops reading,
 * which makes the server's outbound queue grow. Not thread-safe: one test thread drives it.
 */
public final class RawClient implements AutoCloseable {
  /** WebSocket close code for a connection that ended without a close frame (RFC 6455). */
  public static final int ABNORMAL_CLOSURE = 1006;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

  /** The server refused the WebSocket upgrade with an HTTP status. */
  public static final class HandshakeRefused extends RuntimeException {
    private final int status;

    HandshakeRefused(int status, Throwable cause) {
      super("WebSocket handshake refused with HTTP " + status, cause);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final Encoding encoding;
  private final Listener listener;
  private final WebSocket socket;
  private final Deque<ServerFrame> held = new ArrayDeque<>();

  private RawClient(Encoding encoding, Listener listener, WebSocket socket) {
    this.encoding = encoding;
    this.listener = listener;
    this.socket = socket;
  }

  /** Connects offering {@code encoding}'s subprotocol. */
  public static RawClient connect(URI ws, Encoding encoding) {
    return connect(ws, encoding, Map.of());
  }

  /**
   * Connects offering {@code encoding}'s subprotocol, with extra headers such as {@code Origin}.
   */
  public static RawClient connect(URI ws, Encoding encoding, Map<String, String> headers) {
    return open(ws, Optional.of(encoding), headers);
  }

  /** Connects offering no subprotocol; such a client speaks JSON. */
  public static RawClient connectWithoutSubprotocol(URI ws) {
    return open(ws, Optional.empty(), Map.of());
  }

  private static RawClient open(URI ws, Optional<Encoding> offered, Map<String, String> headers) {
    Encoding encoding = offered.orElse(Encoding.JSON);
    Listener listener = new Listener(encoding);
    HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(CONNECT_TIMEOUT);
    headers.forEach(builder::header);
    offered.ifPresent(e -> builder.subprotocols(e.subprotocol()));
    try {
      WebSocket socket =
          builder.buildAsync(ws, listener).get(CONNECT_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
      return new RawClient(encoding, listener, socket);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        throw new HandshakeRefused(refused.getResponse().statusCode(), refused);
      }
      throw new IllegalStateException("cannot connect to " + ws, e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no WebSocket handshake with " + ws + " in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted connecting to " + ws, e);
    }
  }

  /** The subprotocol the server selected; empty if none. */
  public String selectedSubprotocol() {
    return socket.getSubprotocol();
  }

  public Encoding encoding() {
    return encoding;
  }

  /** Sends a frame in this client's encoding: text for JSON, binary for proto. */
  public void send(ClientFrame frame) {
    byte[] bytes = encoding.codec().encodeClient(frame);
    if (encoding.text()) {
      sendRaw(new String(bytes, StandardCharsets.UTF_8));
    } else {
      sendRawBinary(bytes);
    }
  }

  /** Sends one whole text message, whatever this client's encoding. */
  public void sendRaw(String text) {
    sendRaw(text, true);
  }

  /** Sends a text fragment; {@code last} ends the message. */
  public void sendRaw(String text, boolean last) {
    join(socket.sendText(text, last));
  }

  /** Sends one whole binary message, whatever this client's encoding. */
  public void sendRawBinary(byte[] bytes) {
    join(socket.sendBinary(ByteBuffer.wrap(bytes), true));
  }

  /**
   * Sends {@code frame} and returns the answer with the same id, keeping other frames for later.
   */
  public ServerFrame request(ClientFrame frame) {
    return request(frame, Duration.ofSeconds(5));
  }

  public ServerFrame request(ClientFrame frame, Duration timeout) {
    send(frame);
    return await(f -> f.getId().equals(frame.getId()), timeout);
  }

  /** The oldest frame not yet taken; AssertionError if none arrives within {@code timeout}. */
  public ServerFrame next(Duration timeout) {
    ServerFrame kept = held.pollFirst();
    return kept != null ? kept : poll(timeout, "a frame");
  }

  /**
   * The oldest frame matching {@code match}; frames passed over stay queued for {@link #next}.
   * AssertionError if none arrives within {@code timeout}.
   */
  public ServerFrame await(Predicate<ServerFrame> match, Duration timeout) {
    for (Iterator<ServerFrame> it = held.iterator(); it.hasNext(); ) {
      ServerFrame f = it.next();
      if (match.test(f)) {
        it.remove();
        return f;
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      ServerFrame f = poll(left, "a matching frame (passed over: " + held + ")");
      if (match.test(f)) {
        return f;
      }
      held.addLast(f);
    }
  }

  /** Takes every frame received so far, oldest first, without waiting. */
  public List<ServerFrame> drain() {
    List<ServerFrame> all = new ArrayList<>(held);
    held.clear();
    Object item;
    while ((item = listener.frames.poll()) != null) {
      if (!(item instanceof ServerFrame f)) {
        throw new AssertionError("bad frame from the server: " + item);
      }
      all.add(f);
    }
    return all;
  }

  /**
   * Waits for the connection to end and returns the close code the server sent, or {@link
   * #ABNORMAL_CLOSURE} if it ended without a close frame. Frames still queued stay readable.
   */
  public int awaitClose(Duration timeout) {
    try {
      return listener.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the connection was not closed within " + timeout, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The reason of the server's close frame, once closed; empty before or without one. */
  public String closeReason() {
    return listener.closeReason;
  }

  /** True once the connection has ended. */
  public boolean isClosed() {
    return listener.closed.isDone();
  }

  /** Stops asking for messages: the server's frames pile up in the socket buffers. */
  public void pauseReading() {
    listener.pause();
  }

  /** Asks for messages again after {@link #pauseReading}. */
  public void resumeReading() {
    listener.resume(socket);
  }

  /**
   * Sends a normal close (1000) if still open, waits up to a second for the server's answering
   * close frame (see {@link #awaitClose}), then drops the connection.
   */
  @Override
  public void close() {
    try {
      if (!socket.isOutputClosed()) {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(1, TimeUnit.SECONDS);
        listener.resume(socket);
        listener.closed.get(1, TimeUnit.SECONDS);
      }
    } catch (ExecutionException | TimeoutException e) {
      // Already closing or gone: abort below.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      socket.abort();
      listener.closed.complete(ABNORMAL_CLOSURE);
    }
  }

  private ServerFrame poll(Duration timeout, String what) {
    try {
      Object item = listener.frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (item == null) {
        throw new AssertionError("no " + what + " within " + timeout);
      }
      if (item instanceof ServerFrame f) {
        return f;
      }
      throw new AssertionError("bad frame from the server: " + item);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void join(CompletableFuture<WebSocket> sent) {
    try {
      sent.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io
          ? new UncheckedIOException(io)
          : new IllegalStateException("send failed", cause);
    } catch (TimeoutException e) {
      throw new AssertionError("send did not complete within " + SEND_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reassembles partial messages and decodes them. Asks for one message at a time so that pausing
   * stops reading at a message boundary.
   */
  private static final class Listener implements WebSocket.Listener {
    private final Encoding encoding;

    /** ServerFrame, or a String describing a frame that could not be decoded. */
    final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();

    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    volatile String closeReason = "";
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private boolean paused;
    private boolean owed;

    Listener(Encoding encoding) {
      this.encoding = encoding;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String message = text.toString();
        text.setLength(0);
        deliver(message.getBytes(StandardCharsets.UTF_8), encoding.text(), "text");
      }
      more(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      binary.writeBytes(chunk);
      if (last) {
        byte[] message = binary.toByteArray();
        binary.reset();
        deliver(message, !encoding.text(), "binary");
      }
      more(webSocket);
      return null;
    }

    private void deliver(byte[] message, boolean expectedKind, String kind) {
      if (!expectedKind) {
        frames.add(
            kind + " frame on " + encoding + ": " + new String(message, StandardCharsets.UTF_8));
        return;
      }
      try {
        frames.add(encoding.codec().decodeServer(message));
      } catch (IllegalArgumentException e) {
        frames.add("undecodable " + kind + " frame: " + e.getMessage());
      }
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
      more(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      more(webSocket);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeReason = reason;
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(ABNORMAL_CLOSURE);
    }

    private synchronized void more(WebSocket webSocket) {
      if (paused) {
        owed = true;
      } else {
        webSocket.request(1);
      }
    }

    synchronized void pause() {
      paused = true;
    }

    synchronized void resume(WebSocket webSocket) {
      paused = false;
      if (owed) {
        owed = false;
        webSocket.request(1);
      }
    }
  }
}
