package dev.warbler.gateway;

import dev.warbler.core.Services;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.access.TrustedProxies;
import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.MessageIds;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket listener: accepts clients on {@link GatewayConfig#path()}, authenticates them,
 * serves their requests through the {@link Messenger} and pushes their deliveries. See {@link
 * FrameHandler} for the protocol as the server speaks it.
 *
 * <p>Netty event loops own the sockets and never block; token checks and every store access run on
 * virtual threads. Lifecycle: construct, {@link #start()} once, {@link #close()} once.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  /** Subprotocols offered, best first; a client offering none speaks JSON. */
  static final String SUBPROTOCOLS =
      Encoding.JSON.subprotocol() + "," + Encoding.PROTO.subprotocol();

  /**
   * Largest HTTP upgrade request (headers and body), in bytes; the upgrade is a GET without a body,
   * so anything larger is not a WebSocket client.
   */
  public static final int MAX_HANDSHAKE_BYTES = 8 * 1024;

  /**
   * How long a close frame may wait behind queued outbound data (a slow consumer's backlog) before
   * the socket is dropped without it; bounds how long a closing connection holds memory.
   */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Requests of one connection being served at once (store reads, unacknowledged sends); beyond it
   * the gateway stops reading that socket until one completes, so a pipelining client cannot pile
   * up work.
   */
  public static final int MAX_IN_FLIGHT = 64;

  /**
   * Frames a client may send after {@code auth} and before {@code auth_ok}; they are held and then
   * served in order. More closes the connection with 4104.
   */
  public static final int MAX_PENDING_BEFORE_AUTH = 32;

  /** How long {@link #close()} waits for clients to receive their close frames. */
  private static final Duration SHUTDOWN_GRACE = CLOSE_TIMEOUT.plusSeconds(1);

  private final GatewayConfig config;
  private final Services services;
  private final Messenger messenger;
  private final Directory directory;
  private final Sessions sessions;
  private final TokenService tokens;
  private final InstantSource clock;
  private final MessageIds sessionIds;

  private final ExecutorService blocking =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gateway-", 0).factory());
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicReference<EncodedPush> lastPush = new AtomicReference<>();
  private final Counter framesIn;
  private final Counter framesOut;
  private final Counter slowConsumers;
  private final Counter controlFloods;
  private final LongAccumulator peakQueued = new LongAccumulator(Math::max, 0);
  private final DistributionSummary slowConsumerQueued;
  private final Map<AuthFailure, Counter> authFailures = new EnumMap<>(AuthFailure.class);
  private final GatewayLimits limits;
  private final ConnectionCounts<InetAddress> perIp;
  private final ConnectionCounts<String> perUser;
  private final Counter refusedPerIp;
  private final Counter refusedPerUser;

  private final Object lifecycle = new Object();
  private boolean started;
  private boolean closed;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Channel server;
  private @org.jspecify.annotations.Nullable GatewayTls tls;
  private TrustedProxies proxies = TrustedProxies.none();

  /** A gateway; {@link GatewayLimits#none()} turns connection and rate limits off. */
  public Gateway(
      GatewayConfig config, Services services, MeterRegistry meters, GatewayLimits limits) {
    this.config = config;
    this.limits = limits;
    this.perIp = new ConnectionCounts<>(limits.maxConnectionsPerIp());
    this.perUser = new ConnectionCounts<>(limits.maxConnectionsPerUser());
    this.refusedPerIp =
        Counter.builder("warbler.gateway.connections.refused")
            .description("Connections refused because a connection limit was reached")
            .tag("limit", "ip")
            .register(meters);
    this.refusedPerUser =
        Counter.builder("warbler.gateway.connections.refused")
            .description("Connections refused because a connection limit was reached")
            .tag("limit", "user")
            .register(meters);
    this.services = services;
    this.messenger = services.messenger();
    this.directory = services.directory();
    this.sessions = services.sessions();
    this.tokens = services.tokens();
    this.clock = services.clock();
    this.sessionIds = new MessageIds(clock);
    Gauge.builder("warbler.gateway.connections", open, AtomicInteger::get)
        .description("Open WebSocket connections, authenticated or not")
        .register(meters);
    this.framesIn =
        Counter.builder("warbler.gateway.frames.in")
            .description("Data frames received from clients")
            .register(meters);
    this.framesOut =
        Counter.builder("warbler.gateway.frames.out")
            .description("Data frames sent to clients")
            .register(meters);
    this.slowConsumers =
        Counter.builder("warbler.gateway.slow.consumers")
            .description("Connections closed because their outbound queue was full")
            .register(meters);
    this.controlFloods =
        Counter.builder("warbler.gateway.control.floods")
            .description(
                "Connections closed with 1008 for sending WebSocket pings or pongs faster than"
                    + " limits.rate.control-per-second")
            .register(meters);
    Gauge.builder("warbler.gateway.outbound.queued", this, Gateway::queuedBytes)
        .description("Outbound bytes queued for all connections and not yet taken by the kernel")
        .baseUnit("bytes")
        .register(meters);
    Gauge.builder("warbler.gateway.direct.memory", () -> PlatformDependent.usedDirectMemory())
        .description(
            "Direct memory Netty has allocated (buffers of every connection); -1 when Netty"
                + " leaves the count to the JVM (jvm_buffer_memory_used_bytes)")
        .baseUnit("bytes")
        .register(meters);
    this.slowConsumerQueued =
        DistributionSummary.builder("warbler.gateway.slow.consumer.queued")
            .description("Outbound bytes queued for a slow consumer when it was closed")
            .baseUnit("bytes")
            .register(meters);
    for (AuthFailure reason : AuthFailure.values()) {
      authFailures.put(
          reason,
          Counter.builder("warbler.gateway.auth.failures")
              .description("Connections closed before or while authenticating")
              .tag("reason", reason.tag())
              .register(meters));
    }
  }

  Services services() {
    return services;
  }

  /**
   * Serves TLS (wss://) with {@code tls} instead of plain WebSocket; call before {@link #start()}.
   * A client that does not complete a TLS handshake with one of {@link GatewayTls#protocols()}
   * within the handshake timeout is disconnected.
   */
  public void enableTls(GatewayTls tls) {
    synchronized (lifecycle) {
      if (started) {
        throw new IllegalStateException("TLS must be enabled before the gateway starts");
      }
      this.tls = tls;
    }
  }

  /**
   * Believes {@code X-Forwarded-For} in upgrade requests from these peers ({@code
   * http.trusted-proxies}), for the address the audit log and the authentication throttle use; call
   * before {@link #start()}. The per-address connection limit still counts the peer: it acts at the
   * TCP accept, before any header.
   */
  public void trustProxies(TrustedProxies proxies) {
    synchronized (lifecycle) {
      if (started) {
        throw new IllegalStateException("trusted proxies must be set before the gateway starts");
      }
      this.proxies = proxies;
    }
  }

  /** Why a connection never got authenticated; the {@code reason} tag of the failure counter. */
  enum AuthFailure {
    TOKEN_INVALID,
    TOKEN_EXPIRED,
    WRONG_APP,
    USER_NOT_FOUND,
    USER_BANNED,
    TOKEN_REVOKED,
    /** Refused unread: the address failed too often ({@code limits.auth-failures.*}). */
    THROTTLED,
    TIMEOUT,
    NOT_AUTHENTICATED,
    OTHER;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Binds the listener and returns the bound port (the ephemeral one when the configured port is
   * 0). Uses epoll where available, NIO elsewhere. Throws {@link IllegalStateException} if called
   * twice or after {@link #close()}, or if the port cannot be bound.
   */
  public int start() {
    synchronized (lifecycle) {
      if (started || closed) {
        throw new IllegalStateException("a gateway starts once");
      }
      started = true;
      boolean epoll = Epoll.isAvailable();
      IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
      boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gateway-accept"), io);
      workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("gateway-io"), io);
      Class<? extends ServerSocketChannel> type =
          epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
      // Reading pauses while more than half the outbound bound is queued (FrameHandler), and
      // resumes below a quarter: a client that sends without reading is slowed by TCP before its
      // queue can reach the bound.
      int bound = config.maxOutboundBytes();
      ServerBootstrap bootstrap =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(type)
              .option(ChannelOption.SO_BACKLOG, 1024)
              // A restart binds the port again while closed connections linger in TIME_WAIT.
              .option(ChannelOption.SO_REUSEADDR, true)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(Math.max(1, bound / 4), Math.max(2, bound / 2)))
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      channels.add(ch);
                      GatewayTls t = tls;
                      if (t != null) {
                        t.install(ch.pipeline(), ch.alloc(), config.handshakeTimeout());
                      }
                      configure(ch.pipeline(), admit(ch));
                    }
                  });
      if (config.socketSendBufferBytes() > 0) {
        // Fixed: the kernel stops autotuning it, so a stalled client holds at most this much.
        bootstrap.childOption(ChannelOption.SO_SNDBUF, config.socketSendBufferBytes());
      }
      try {
        server = bootstrap.bind(config.host(), config.port()).sync().channel();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        shutdownLoops();
        throw new IllegalStateException("interrupted while binding the gateway", e);
      } catch (RuntimeException e) {
        shutdownLoops();
        throw new IllegalStateException(
            "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
      }
      int port = ((InetSocketAddress) server.localAddress()).getPort();
      log.info(
          "gateway listening on {}://{}:{}{} ({})",
          tls == null ? "ws" : "wss",
          config.host(),
          port,
          config.path(),
          epoll ? "epoll" : "nio");
      return port;
    }
  }

  /**
   * Takes a slot of the connection's client address; false when its address has {@code
   * gateway.max-connections-per-ip} open already (the upgrade is then refused with 429). The slot
   * is given back when the connection closes.
   */
  private boolean admit(SocketChannel ch) {
    if (!perIp.limited()) {
      return true;
    }
    InetSocketAddress remote = ch.remoteAddress();
    InetAddress ip = remote == null ? null : remote.getAddress();
    if (ip == null) {
      return true;
    }
    if (!perIp.tryAcquire(ip)) {
      refusedPerIp.increment();
      return false;
    }
    ch.closeFuture().addListener(f -> perIp.release(ip));
    return true;
  }

  private void configure(ChannelPipeline p, boolean admitted) {
    long idle = config.idleTimeout().toMillis();
    p.addLast("http", new HttpServerCodec());
    p.addLast("http-aggregator", new HttpObjectAggregator(MAX_HANDSHAKE_BYTES));
    p.addLast(
        "http-guard",
        admitted
            ? new HttpGuard(config.path(), config.allowedOrigins(), proxies)
            : HttpGuard.refusing("more than " + perIp.limit() + " connections from this address"));
    p.addLast("idle", new IdleStateHandler(idle, 0, 0, TimeUnit.MILLISECONDS));
    if (config.compression()) {
      p.addLast("deflate", new WebSocketServerCompressionHandler(config.maxFrameBytes()));
    }
    FrameHandler frames = new FrameHandler(this);
    p.addLast(
        "websocket",
        new GatewayProtocolHandler(
            WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(config.path())
                .checkStartsWith(true)
                .subprotocols(SUBPROTOCOLS)
                .handshakeTimeoutMillis(config.handshakeTimeout().toMillis())
                .forceCloseTimeoutMillis(CLOSE_TIMEOUT.toMillis())
                .dropPongFrames(true)
                // FrameHandler writes every close frame itself, through the outbound admission
                // check; Netty would add a "1000" close frame of its own on every channel close.
                .sendCloseFrame(null)
                .decoderConfig(
                    WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(config.maxFrameBytes())
                        .allowExtensions(config.compression())
                        // Reported to FrameHandler, which sends the one close frame (1002, 1007,
                        // 1009); Netty would send its own and then another on close.
                        .closeOnProtocolViolation(false)
                        .build())
                .build(),
            frames));
    p.addLast("ws-aggregator", new WebSocketFrameAggregator(config.maxFrameBytes()));
    p.addLast("frames", frames);
  }

  /** Open WebSocket connections on this gateway, authenticated or not. */
  public int connections() {
    return open.get();
  }

  /**
   * Graceful shutdown: stops accepting, sends every WebSocket client {@code closing} {code 1001,
   * reconnect true} and a close frame 1001, waits up to {@link #CLOSE_TIMEOUT} (plus a second) for
   * the close frames to go out, then stops the event loops. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      if (server != null) {
        server.close().syncUninterruptibly();
      }
      for (Channel ch : channels) {
        FrameHandler handler = ch.pipeline().get(FrameHandler.class);
        if (handler != null) {
          handler.requestClose(CloseCode.GOING_AWAY, "server shutting down; reconnect");
        } else {
          ch.close();
        }
      }
      if (!channels.newCloseFuture().awaitUninterruptibly(SHUTDOWN_GRACE.toMillis())) {
        log.warn("{} connections did not close in time; dropping them", channels.size());
        channels.close().awaitUninterruptibly(1_000);
      }
      blocking.shutdown();
      shutdownLoops();
      try {
        if (!blocking.awaitTermination(1, TimeUnit.SECONDS)) {
          blocking.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        blocking.shutdownNow();
      }
      log.info("gateway stopped");
    }
  }

  private void shutdownLoops() {
    if (workers != null) {
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (boss != null) {
      boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  // ---- shared with the per-connection handlers ---------------------------------------------

  GatewayConfig config() {
    return config;
  }

  Messenger messenger() {
    return messenger;
  }

  GatewayLimits limits() {
    return limits;
  }

  /**
   * Takes a connection slot of {@code app}/{@code user}; false when the user has {@code
   * gateway.max-connections-per-user} authenticated connections already.
   */
  boolean tryAcquireUserSlot(String key) {
    if (perUser.tryAcquire(key)) {
      return true;
    }
    refusedPerUser.increment();
    return false;
  }

  void releaseUserSlot(String key) {
    perUser.release(key);
  }

  /** Connections of one user (key {@code app + '/' + user}) holding a slot; for tests. */
  int userSlots(String key) {
    return perUser.open(key);
  }

  /** Open connections from {@code ip} holding a slot; for tests. */
  int ipSlots(InetAddress ip) {
    return perIp.open(ip);
  }

  Directory directory() {
    return directory;
  }

  Sessions sessions() {
    return sessions;
  }

  TokenService tokens() {
    return tokens;
  }

  InstantSource clock() {
    return clock;
  }

  ExecutorService blocking() {
    return blocking;
  }

  void opened() {
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  void frameIn() {
    framesIn.increment();
  }

  void frameOut() {
    framesOut.increment();
  }

  /** A slow consumer was closed with {@code queued} bytes in its outbound queue. */
  void slowConsumer(long queued) {
    slowConsumers.increment();
    slowConsumerQueued.record(queued);
  }

  /** A connection was closed for flooding control frames. */
  void controlFlood() {
    controlFloods.increment();
  }

  /** A frame was admitted and the connection's queue holds {@code bytes} with it. */
  void queued(long bytes) {
    peakQueued.accumulate(bytes);
  }

  /** The most any connection has had queued (admitted and not yet in the kernel); for tests. */
  long peakQueuedBytes() {
    return peakQueued.get();
  }

  /** The most outbound bytes queued for any one open connection now; for tests. */
  long maxQueuedBytesNow() {
    long max = 0;
    for (Channel ch : channels) {
      max = Math.max(max, FrameHandler.queuedBytes(ch));
    }
    return max;
  }

  /** Outbound bytes queued for all open connections now. */
  private double queuedBytes() {
    long sum = 0;
    for (Channel ch : channels) {
      sum += FrameHandler.queuedBytes(ch);
    }
    return sum;
  }

  void authFailed(AuthFailure reason) {
    authFailures.get(reason).increment();
  }

  /** A new session id: 22 characters, unique without coordination between nodes. */
  String newSessionId() {
    return sessionIds.next();
  }

  /**
   * The wire bytes of the {@code message} frame for {@code m}. A delivery pushes the same message
   * to every online device of every member one after another, so the last message's encodings are
   * kept and each encoding is computed once per message instead of once per device.
   */
  byte[] pushBytes(ChatMessage m, Encoding encoding) {
    EncodedPush cached = lastPush.get();
    if (cached == null || cached.message != m) {
      cached = new EncodedPush(m);
      lastPush.set(cached);
    }
    return cached.bytes(encoding);
  }

  /**
   * Recently encoded chatroom events, by room. A room's fan-out hands the same event to up to
   * {@code chatroom.max-present} connections in turn, so its encodings are computed once; several
   * rooms fanning out at once use different slots (a collision only costs a second encoding).
   */
  private static final int ROOM_PUSH_SLOTS = 64;

  private final AtomicReferenceArray<EncodedRoomPush> roomPushes =
      new AtomicReferenceArray<>(ROOM_PUSH_SLOTS);

  /** The wire bytes of the pushed frame for a chatroom event, encoded once per encoding. */
  byte[] roomPushBytes(RoomEvent event, Encoding encoding) {
    int slot = Math.floorMod(event.room().hashCode(), ROOM_PUSH_SLOTS);
    EncodedRoomPush cached = roomPushes.get(slot);
    if (cached == null || cached.event != event) {
      cached = new EncodedRoomPush(event);
      roomPushes.set(slot, cached);
    }
    return cached.bytes(encoding);
  }

  private static final class EncodedRoomPush {
    private final RoomEvent event;
    private volatile byte @org.jspecify.annotations.Nullable [] json;
    private volatile byte @org.jspecify.annotations.Nullable [] proto;

    EncodedRoomPush(RoomEvent event) {
      this.event = event;
    }

    byte[] bytes(Encoding encoding) {
      return switch (encoding) {
        case JSON -> {
          byte[] b = json;
          if (b == null) {
            b = encoding.codec().encodeServer(SocialFrames.pushed(event));
            json = b;
          }
          yield b;
        }
        case PROTO -> {
          byte[] b = proto;
          if (b == null) {
            b = encoding.codec().encodeServer(SocialFrames.pushed(event));
            proto = b;
          }
          yield b;
        }
      };
    }
  }

  /** Lazily encoded push frames of one message; a race only costs a second encoding. */
  private static final class EncodedPush {
    private final ChatMessage message;
    private volatile byte @org.jspecify.annotations.Nullable [] json;
    private volatile byte @org.jspecify.annotations.Nullable [] proto;

    EncodedPush(ChatMessage message) {
      this.message = message;
    }

    byte[] bytes(Encoding encoding) {
      return switch (encoding) {
        case JSON -> {
          byte[] b = json;
          if (b == null) {
            b = encoding.codec().encodeServer(Frames.pushed(message));
            json = b;
          }
          yield b;
        }
        case PROTO -> {
          byte[] b = proto;
          if (b == null) {
            b = encoding.codec().encodeServer(Frames.pushed(message));
            proto = b;
          }
          yield b;
        }
      };
    }
  }
}
