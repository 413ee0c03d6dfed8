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

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final long openedNanos = System.nanoTime();
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
            + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A masked client WebSocket frame: FIN set, text (opcode 1) or binary (2), with {@code payload}.
   */
  public static byte[] frame(boolean text, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
    b.write(0x80 | (text ? 1 : 2));
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
    write(upgradeRequest(host, path, encoding));
    String head = readHead(Duration.ofSeconds(10));
    if (!head.startsWith("HTTP/1.1 101")) {
      throw new AssertionError("no WebSocket upgrade: " + head);
    }
    upgraded = true;
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
    int b1 = in.read();
    if (b1 < 0) {
      return;
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
    if ((b0 & 0x0f) == 8 && payload.length >= 2) {
      lastCloseCode = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }
    in.skipNBytes(len - payload.length);
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
