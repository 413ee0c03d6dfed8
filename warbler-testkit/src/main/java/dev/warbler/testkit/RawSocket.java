package dev.warbler.testkit;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A plain TCP socket that plays misbehaving HTTP and WebSocket clients byte by byte: a request sent
 * one byte at a time, headers never finished, an upgrade never followed by {@code auth}, a frame
 * cut in the middle, a client that never reads. Each helper writes exactly the bytes it names; the
 * caller decides when to stall. {@link #awaitClosed} measures when the server gave up.
 */
public final class RawSocket implements AutoCloseable {
  /** A fixed key: the server's accept value is not checked by these clients. */
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  /** WebSocket opcodes (RFC 6455, 5.2). */
  public static final int TEXT = 1;

  public static final int BINARY = 2;
  public static final int CLOSE = 8;
  public static final int PING = 9;
  public static final int PONG = 10;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final long openedNanos = System.nanoTime();
  private final List<Frame> frames = new ArrayList<>();
  private int lastCloseCode = -1;
  private boolean upgraded;

  private RawSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects to {@code host:port} from an ephemeral port. */
  public static RawSocket connect(String host, int port) {
    return connect(null, host, port, 0);
  }

  /**
   * Connects from {@code local} (any loopback address works on Linux; spreading clients over
   * 127.0.0.x keeps per-address limits out of a test), with a receive buffer of {@code
   * receiveBuffer} bytes when positive (set before connecting, so the window stays that small).
   */
  public static RawSocket connect(InetAddress local, String host, int port, int receiveBuffer) {
    Socket s = new Socket();
    try {
      if (receiveBuffer > 0) {
        s.setReceiveBufferSize(receiveBuffer);
      }
      if (local != null) {
        s.bind(new InetSocketAddress(local, 0));
      }
      s.connect(new InetSocketAddress(host, port), 10_000);
      s.setTcpNoDelay(true);
      return new RawSocket(s);
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
      throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
    }
  }

  /** The HTTP/1.1 upgrade request a WebSocket client sends, offering {@code encoding}. */
  public static byte[] upgradeRequest(String host, String path, Encoding encoding) {
    return upgradeRequest(host, path, encoding, "");
  }

  /**
   * The upgrade request offering {@code encoding} and, when not empty, the {@code
   * Sec-WebSocket-Extensions} in {@code extensions} (for example {@code permessage-deflate}).
   */
  public static byte[] upgradeRequest(
      String host, String path, Encoding encoding, String extensions) {
    return ("GET "
            + path
            + " HTTP/1.1\r\n"
            + "Host: "
            + host
            + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + KEY
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: "
            + encoding.subprotocol()
            + "\r\n"
            + (extensions.isEmpty() ? "" : "Sec-WebSocket-Extensions: " + extensions + "\r\n")
            + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A masked client WebSocket frame: FIN set, text (opcode 1) or binary (2), with {@code payload}.
   */
  public static byte[] frame(boolean text, byte[] payload) {
    return frame(text ? TEXT : BINARY, false, payload);
  }

  /**
   * A masked client WebSocket frame with FIN set: any {@code opcode}, {@code rsv1} set for a
   * message compressed with permessage-deflate (RFC 7692), and {@code payload}. Control frames
   * (ping, pong, close) may carry at most 125 bytes; this does not check.
   */
  public static byte[] frame(int opcode, boolean rsv1, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
    b.write(0x80 | (rsv1 ? 0x40 : 0) | opcode);
    int n = payload.length;
    if (n < 126) {
      b.write(0x80 | n);
    } else if (n < 65_536) {
      b.write(0x80 | 126);
      b.write(n >>> 8);
      b.write(n & 0xff);
    } else {
      b.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        b.write((int) ((long) n >>> shift) & 0xff);
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    b.writeBytes(mask);
    for (int i = 0; i < n; i++) {
      b.write(payload[i] ^ mask[i & 3]);
    }
    return b.toByteArray();
  }

  /** A masked WebSocket ping carrying {@code payload} (at most 125 bytes). */
  public static byte[] ping(byte[] payload) {
    return frame(PING, false, payload);
  }

  /** The frame carrying {@code f} in {@code encoding}: text for JSON, binary for proto. */
  public static byte[] frame(Encoding encoding, ClientFrame f) {
    return frame(encoding.text(), encoding.codec().encodeClient(f));
  }

  /** Writes {@code bytes} at once. */
  public void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code bytes} one at a time, {@code gap} apart, until done or the server closed the
   * socket (then it stops quietly); returns the bytes written. Blocks: run it on its own thread.
   */
  public int dribble(byte[] bytes, Duration gap) {
    for (int i = 0; i < bytes.length; i++) {
      try {
        out.write(bytes[i]);
        out.flush();
        Thread.sleep(gap.toMillis());
      } catch (IOException e) {
        return i;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return i;
      }
    }
    return bytes.length;
  }

  /**
   * Sends the upgrade request and reads the answer's head; AssertionError unless it is {@code 101
   * Switching Protocols}.
   */
  public void upgrade(String host, String path, Encoding encoding) {
    upgrade(host, path, encoding, "");
  }

  /**
   * Sends the upgrade request offering {@code extensions} and returns the answer's head (which
   * names the extensions the server accepted); AssertionError unless it is {@code 101}.
   */
  public String upgrade(String host, String path, Encoding encoding, String extensions) {
    write(upgradeRequest(host, path, encoding, extensions));
    String head = readHead(Duration.ofSeconds(10));
    if (!head.startsWith("HTTP/1.1 101")) {
      throw new AssertionError("no WebSocket upgrade: " + head);
    }
    upgraded = true;
    return head;
  }

  private String readHead(Duration timeout) {
    StringBuilder head = new StringBuilder();
    try {
      socket.setSoTimeout((int) timeout.toMillis());
      while (!head.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          throw new AssertionError("closed in the HTTP answer: " + head);
        }
        head.append((char) c);
      }
      return head.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads (and discards, noting close frames) until the server closes the socket; returns how long
   * after this socket connected that happened. AssertionError if still open after {@code max} from
   * now. A reset counts as closed.
   */
  public Duration awaitClosed(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw new AssertionError("still open after " + max);
        }
        socket.setSoTimeout((int) left);
        int b0 = in.read();
        if (b0 < 0) {
          return sinceOpened();
        }
        if (upgraded) {
          skipFrame(b0);
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + max, e);
    } catch (IOException e) {
      return sinceOpened();
    }
  }

  /** After the first byte of a server frame (never masked): reads the rest, noting close codes. */
  private void skipFrame(int b0) throws IOException {
    Frame f = readRest(b0);
    if (f != null) {
      frames.add(f);
    }
  }

  /** The rest of a server frame after its first byte; null at the end of the stream. */
  private Frame readRest(int b0) throws IOException {
    int b1 = in.read();
    if (b1 < 0) {
      return null;
    }
    long len = b1 & 0x7f;
    if (len == 126) {
      len = ((long) in.read() << 8) | in.read();
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) {
        len = (len << 8) | in.read();
      }
    }
    byte[] payload = in.readNBytes((int) Math.min(len, 1 << 20));
    int opcode = b0 & 0x0f;
    if (opcode == CLOSE && payload.length >= 2) {
      lastCloseCode = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }
    in.skipNBytes(len - payload.length);
    return new Frame(opcode, payload);
  }

  /**
   * A frame as the server sent it (payloads over 1 MiB are cut there).
   *
   * @param opcode {@link #TEXT}, {@link #BINARY}, {@link #CLOSE}, {@link #PING}, {@link #PONG}
   */
  public record Frame(int opcode, byte[] payload) {
    /** The status code of a close frame; -1 for other frames or a close frame without one. */
    public int closeCode() {
      return opcode == CLOSE && payload.length >= 2
          ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff)
          : -1;
    }

    /** The reason of a close frame; empty for other frames. */
    public String closeReason() {
      return opcode == CLOSE && payload.length > 2
          ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
          : "";
    }
  }

  /**
   * The next frame the server sends after the upgrade; AssertionError if none arrives within {@code
   * timeout} or the socket closes first.
   */
  public Frame readFrame(Duration timeout) {
    try {
      socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
      int b0 = in.read();
      Frame f = b0 < 0 ? null : readRest(b0);
      if (f == null) {
        throw new AssertionError("the server closed the socket");
      }
      frames.add(f);
      return f;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame within " + timeout, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every frame read so far by {@link #readFrame} and {@link #awaitClosed}, in arrival order. */
  public List<Frame> frames() {
    return List.copyOf(frames);
  }

  /** The close frames among {@link #frames()}. */
  public List<Frame> closeFrames() {
    return frames.stream().filter(f -> f.opcode() == CLOSE).toList();
  }

  /**
   * Reads whatever the server sends for {@code probe}; false once the server has closed the socket.
   * Bytes read are discarded.
   */
  public boolean isOpen(Duration probe) {
    long deadline = System.nanoTime() + probe.toNanos();
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return true;
        }
        socket.setSoTimeout((int) left);
        if (in.read() < 0) {
          return false;
        }
      }
    } catch (SocketTimeoutException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Reads until the blank line that ends an HTTP answer's head; returns the head. */
  public String readHttpHead(Duration timeout) {
    return readHead(timeout);
  }

  /** The code of the last WebSocket close frame {@link #awaitClosed} saw; -1 if none. */
  public int closeCode() {
    return lastCloseCode;
  }

  private Duration sinceOpened() {
    return Duration.ofNanos(System.nanoTime() - openedNanos);
  }

  /** The time since this socket connected. */
  public Duration age() {
    return sinceOpened();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
