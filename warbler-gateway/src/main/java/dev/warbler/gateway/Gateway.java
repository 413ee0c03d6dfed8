package dev.warbler.gateway;

import dev.warbler.core.Services;
import dev.warbler.core.access.TrustedProxies;
import dev.warbler.core.messaging.MessageIds;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import io.micrometer.core.instrument.Counter;
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
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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

  private final ExecutorService blocking =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gateway-", 0).factory());
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final GatewayMeters meters;
  private final GatewayLimits limits;
  private final ConnectionCounts<InetAddress> perIp;
  private final UserSlots perUser;
  private final Counter refusedPerIp;

  /** What every connection shares: authentication's view of the node, the request handlers. */
  private final Authenticator.Shared authentication;

  private final RequestHandlers handlers;

  private final Object lifecycle = new Object();
  private boolean started;
  private boolean closed;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Channel server;
  private @org.jspecify.annotations.Nullable GatewayTls tls;
  private TrustedProxies proxies = TrustedProxies.none();

  /** A gateway; {@link GatewayLimits#none()} turns connection and rate limits off. No traces. */
  public Gateway(
      GatewayConfig config, Services services, MeterRegistry meters, GatewayLimits limits) {
    this(config, services, meters, limits, OpenTelemetry.noop());
  }

  /**
   * A gateway whose sends and pushes make spans ({@code send}, {@code push}) with {@code
   * telemetry}'s tracer; {@link OpenTelemetry#noop()} makes none and costs nothing.
   */
  public Gateway(
      GatewayConfig config,
      Services services,
      MeterRegistry meters,
      GatewayLimits limits,
      OpenTelemetry telemetry) {
    GatewayTraces traces = new GatewayTraces(telemetry);
    this.config = config;
    this.limits = limits;
    this.perIp = new ConnectionCounts<>(limits.maxConnectionsPerIp());
    this.refusedPerIp =
        Counter.builder("warbler.gateway.connections.refused")
            .description("Connections refused because a connection limit was reached")
            .tag("limit", "ip")
            .register(meters);
    this.perUser = new UserSlots(limits.maxConnectionsPerUser(), meters);
    this.services = services;
    this.meters = new GatewayMeters(meters);
    Gauge.builder("warbler.gateway.outbound.queued", this, Gateway::queuedBytes)
        .description("Outbound bytes queued for all connections and not yet taken by the kernel")
        .baseUnit("bytes")
        .register(meters);
    this.authentication =
        new Authenticator.Shared(
            config,
            services.tokens(),
            services.directory(),
            services.access(),
            services.sessions(),
            services.groups(),
            services.audit(),
            limits.authFailures(),
            perUser,
            limits.rates(),
            new MessageIds(services.clock()),
            new PushEncodings(),
            services.clock(),
            services.messenger().limits().maxMessageBytes(),
            this.meters,
            blocking,
            traces);
    this.handlers = RequestHandlers.of(services, blocking, traces);
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
    return meters.open();
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

  GatewayLimits limits() {
    return limits;
  }

  GatewayMeters meters() {
    return meters;
  }

  Authenticator.Shared authentication() {
    return authentication;
  }

  RequestHandlers handlers() {
    return handlers;
  }

  ExecutorService blocking() {
    return blocking;
  }

  /** Connections of one user (key {@code app + '/' + user}) holding a slot; for tests. */
  int userSlots(String key) {
    return perUser.open(key);
  }

  /** Open connections from {@code ip} holding a slot; for tests. */
  int ipSlots(InetAddress ip) {
    return perIp.open(ip);
  }

  /** The most any connection has had queued (admitted and not yet in the kernel); for tests. */
  long peakQueuedBytes() {
    return meters.peakQueued();
  }

  /** The most outbound bytes queued for any one open connection now; for tests. */
  long maxQueuedBytesNow() {
    long max = 0;
    for (Channel ch : channels) {
      max = Math.max(max, Outbound.queuedBytes(ch));
    }
    return max;
  }

  /** Outbound bytes queued for all open connections now. */
  private double queuedBytes() {
    long sum = 0;
    for (Channel ch : channels) {
      sum += Outbound.queuedBytes(ch);
    }
    return sum;
  }
}
