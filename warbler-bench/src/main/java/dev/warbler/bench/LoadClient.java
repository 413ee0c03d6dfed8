package dev.warbler.bench;

import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A lightweight WebSocket client for load: one Netty event-loop group (epoll when available, a
 * couple of threads) holds thousands of connections speaking binary {@code warbler.v1.proto}
 * frames. Every {@link #PER_SOURCE} connections use a further loopback source address, starting at
 * an address picked from this process id and the clock ({@link #sourceAddress(int, long)}), so that
 * ephemeral ports do not run out: each source address has about 28,000 ports, and the ports of the
 * connections a previous run closed stay in TIME_WAIT for 60 s.
 */
public final class LoadClient implements AutoCloseable {
  static final String SUBPROTOCOL = "warbler.v1.proto";
  static final int PER_SOURCE = 4_000;

  /** First source address index of this client: differs between runs and bench processes. */
  private final int sourceBase =
      (int) ((ProcessHandle.current().pid() * 31 + System.nanoTime() / 1_000_000) % 200) * 50;

  private final EventLoopGroup group;
  private final Class<? extends SocketChannel> channelType;
  private final URI ws;
  private final AtomicLong opened = new AtomicLong();
  private final int perSource;

  public LoadClient(URI ws, int threads) {
    this(ws, threads, PER_SOURCE);
  }

  /** With a further source address every {@code perSource} connections (per-address limits). */
  LoadClient(URI ws, int threads, int perSource) {
    this.ws = ws;
    this.perSource = perSource;
    if (Epoll.isAvailable()) {
      group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
      channelType = EpollSocketChannel.class;
    } else {
      group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
      channelType = NioSocketChannel.class;
    }
  }

  /** One connection; frames arrive on its event loop through the listener. */
  public static final class Conn {
    public final String user;
    private volatile Channel channel;
    private volatile Consumer<ServerFrame> listener = f -> {};

    Conn(String user) {
      this.user = user;
    }

    public void onFrame(Consumer<ServerFrame> listener) {
      this.listener = listener;
    }

    public void send(ClientFrame frame) {
      channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())));
    }

    public boolean open() {
      Channel c = channel;
      return c != null && c.isActive();
    }

    /** False while the socket's send buffer is full (the server is not reading). */
    boolean writable() {
      Channel c = channel;
      return c != null && c.isWritable();
    }

    public void close() {
      Channel c = channel;
      if (c != null) {
        c.close();
      }
    }
  }

  /** Connects, authenticates with {@code token}, completes with the connection after auth_ok. */
  public CompletableFuture<Conn> connect(String user, String token) {
    Conn conn = new Conn(user);
    CompletableFuture<Conn> done = new CompletableFuture<>();
    long n = opened.getAndIncrement();
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(channelType)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 20_000)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    // Before the handshake can complete and the handler send auth through it.
                    conn.channel = ch;
                    ch.pipeline()
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(65_536))
                        .addLast(
                            new WebSocketClientProtocolHandler(
                                WebSocketClientHandshakerFactory.newHandshaker(
                                    ws,
                                    WebSocketVersion.V13,
                                    SUBPROTOCOL,
                                    false,
                                    new DefaultHttpHeaders(),
                                    1 << 20)))
                        .addLast(new Handler(conn, token, done));
                  }
                });
    int port = ws.getPort() > 0 ? ws.getPort() : 80;
    InetSocketAddress remote = new InetSocketAddress(ws.getHost(), port);
    var future =
        remote.getAddress().isLoopbackAddress()
            ? b.connect(remote, new InetSocketAddress(sourceAddress(sourceBase, n, perSource), 0))
            : b.connect(remote);
    future.addListener(f -> {
      if (!f.isSuccess()) {
        done.completeExceptionally(f.cause());
      }
    });
    conn.channel = future.channel();
    return done;
  }

  /** 127.0.0.1 for the first {@link #PER_SOURCE} connections, then 127.0.0.2, ... */
  static String sourceAddress(long n) {
    return sourceAddress(0, n);
  }

  /** Loopback address number {@code base + n / PER_SOURCE}: 127.0.x.y, y in 1..250. */
  static String sourceAddress(int base, long n) {
    return sourceAddress(base, n, PER_SOURCE);
  }

  static String sourceAddress(int base, long n, int perSource) {
    long i = base + n / perSource;
    return "127.0." + (i / 250) + "." + (1 + i % 250);
  }

  private static final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final Conn conn;
    private final String token;
    private final CompletableFuture<Conn> done;

    Handler(Conn conn, String token, CompletableFuture<Conn> done) {
      this.conn = conn;
      this.token = token;
      this.done = done;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        conn.send(
            ClientFrame.newBuilder()
                .setId("auth")
                .setAuth(Auth.newBuilder().setToken(token).setDevice("bench"))
                .build());
      } else if (evt
          == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        done.completeExceptionally(new IOException("handshake timeout"));
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame)
        throws IOException {
      if (!(frame instanceof BinaryWebSocketFrame)) {
        return;
      }
      ServerFrame f;
      try (ByteBufInputStream in = new ByteBufInputStream(frame.content())) {
        f = ServerFrame.parseFrom(in);
      }
      if (!done.isDone()) {
        if (f.hasAuthOk()) {
          done.complete(conn);
        } else if (f.hasError()) {
          done.completeExceptionally(new IOException("auth failed: " + f.getError()));
        }
        return;
      }
      conn.listener.accept(f);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      done.completeExceptionally(new IOException("closed before auth"));
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      done.completeExceptionally(cause);
      ctx.close();
    }
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
