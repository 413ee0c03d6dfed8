package dev.warbler.server;

import dev.warbler.api.RestApi;
import dev.warbler.api.Route;
import dev.warbler.core.Services;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.messaging.LifecycleLimits;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.core.spi.Stores;
import dev.warbler.gateway.Gateway;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Warbler node: store, bus, core, gateway and REST API wired from {@link Settings}. Plain
 * objects, no injection framework; each module is wired by its own class ({@link StoreWiring},
 * {@link CoreWiring}, {@link AuditWiring}, {@link LimitWiring}, {@link MetricsWiring}, {@link
 * ScheduledJobs}, {@link GatewayWiring}, {@link ApiWiring}), and this class keeps the lifecycle.
 * {@link #close()} drains: not ready (for {@code shutdown.unready-seconds} while still serving),
 * clients told to reconnect elsewhere, listeners stopped, store flushed.
 */
public final class WarblerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WarblerServer.class);
  public static final String ADMIN_KEY_FILE = "admin.key";
  public static final String AUDIT_KEY_FILE = "audit.key";

  private final Settings settings;
  private final DataDirectory dataDirectory;
  private final Stores stores;
  private final boolean ownsStores;

  /** Closes the bus and presence registry of this node. */
  private final AutoCloseable busCloser;

  /** The node's id in the cluster ({@code bus.node-id} or generated), the {@code node} tag. */
  private final String node;

  /** Traces (OpenTelemetry; no-op unless an OTLP endpoint is set); closed last, flushing spans. */
  private final TelemetryWiring.Telemetry telemetry;

  private final Services services;
  private final Gateway gateway;
  private final ScheduledJobs jobs;
  private final WebhookWiring webhooks;
  private final RateLimiter rates;
  private final AuthThrottle authThrottle;
  private @Nullable RestApi api;
  private final PrometheusMeterRegistry meters;
  private final @Nullable ServerTls tls;
  private final String adminKey;
  private final boolean adminKeyGenerated;
  private final String defaultApp;
  private volatile boolean ready;
  private int webSocketPort;
  private int httpPort;

  /**
   * Wires the node; nothing listens yet. The order matters: what can fail without opening anything
   * (the admin key, the limits, TLS) comes before the store opens.
   */
  private WarblerServer(Settings settings, DataDirectory dataDirectory, @Nullable Shared shared) {
    this.settings = settings;
    this.dataDirectory = dataDirectory;
    InstantSource clock = InstantSource.system();
    Path data = dataDirectory.path();
    Path adminKeyFile = data.resolve(ADMIN_KEY_FILE);
    String configuredKey = settings.string(Setting.AUTH_ADMIN_KEY).strip();
    this.adminKeyGenerated = configuredKey.isEmpty() && !Files.exists(adminKeyFile);
    this.adminKey =
        configuredKey.isEmpty()
            ? AdminKey.requireStrong(AdminKey.fromFile(adminKeyFile), adminKeyFile.toString())
            : AdminKey.requireStrong(configuredKey, "auth.admin-key (WARBLER_ADMIN_KEY)");
    if (settings.integer(Setting.SHUTDOWN_UNREADY_SECONDS) < 0
        || settings.integer(Setting.SHUTDOWN_DEADLINE_SECONDS) < 1) {
      throw new IllegalArgumentException(
          "shutdown.unready-seconds must be 0 or more and shutdown.deadline-seconds 1 or more");
    }
    Limits limits = LimitWiring.limits(settings);
    LifecycleLimits lifecycleLimits = LimitWiring.lifecycle(settings);
    this.node = BusWiring.nodeId(settings);
    this.meters = MetricsWiring.registry(node);
    // Before anything opens: a bad certificate or key fails the start with nothing to clean up.
    this.tls = ServerTls.fromSettings(settings, meters).orElse(null);
    LogFormat.apply(settings, node);

    this.ownsStores = shared == null;
    this.telemetry = TelemetryWiring.open(settings, node);
    StoreWiring.Opened storesOpened;
    try {
      storesOpened =
          shared == null ? StoreWiring.open(settings, dataDirectory, clock, meters) : shared.opened;
    } catch (RuntimeException e) {
      closeQuietly(telemetry.closer());
      throw e;
    }
    this.stores = storesOpened.stores();
    // bus.kind=local: a cluster of one, in memory (several nodes in one process: the buses of the
    // shared cluster); bus.kind=nats: this node's connections to NATS.
    BusWiring.Opened opened;
    try {
      opened =
          BusWiring.open(
              settings, shared == null ? null : shared.cluster, node, telemetry.api(), meters);
    } catch (RuntimeException e) {
      if (ownsStores) {
        closeQuietly(stores);
      }
      closeQuietly(telemetry.closer());
      throw e;
    }
    this.busCloser = opened.closer();
    Bus nodeBus = opened.bus();
    PresenceRegistry registry = opened.registry();
    ScheduledJobs started = null;
    WebhookWiring hooks = null;
    try {
      AtomicLong auditHeadSeq = new AtomicLong();
      CoreWiring.Core core =
          CoreWiring.wire(
              settings,
              data,
              storesOpened,
              nodeBus,
              registry,
              limits,
              lifecycleLimits,
              clock,
              meters,
              telemetry.api(),
              auditHeadSeq);
      this.services = core.services();
      started =
          ScheduledJobs.start(
              settings,
              services.metering(),
              services.audit(),
              services.access(),
              services.presence(),
              auditHeadSeq,
              services.moderation());
      this.jobs = started;
      hooks =
          WebhookWiring.start(
              settings,
              stores.webhooks(),
              core.publisher(),
              services.messenger(),
              services.encryption(),
              services.audit(),
              clock,
              meters);
      this.webhooks = hooks;
      MetricsWiring.node(meters, core.publisher(), services.sessions(), services.presence());

      this.defaultApp = settings.string(Setting.AUTH_DEFAULT_APP);
      services.directory().ensureApp(defaultApp, "Default app");

      this.rates = LimitWiring.rates(settings);
      this.authThrottle = LimitWiring.authThrottle(settings);
      MetricsWiring.limits(meters, authThrottle, rates);
      this.gateway =
          GatewayWiring.gateway(settings, services, meters, rates, authThrottle, telemetry.api());
    } catch (RuntimeException e) {
      // A later setting or key file was refused: nothing keeps running (writer, pool, jobs).
      if (hooks != null) {
        hooks.close();
      }
      if (started != null) {
        started.close();
      }
      closeQuietly(busCloser);
      if (ownsStores) {
        closeQuietly(stores);
      }
      closeQuietly(telemetry.closer());
      throw e;
    }
  }

  /** Builds and starts a node; on failure everything opened so far is closed. */
  public static WarblerServer start(Settings settings) {
    return start(settings, null);
  }

  /**
   * Builds and starts a node of a cluster in this process: its stores and bus are {@code shared}
   * with the other nodes (which {@code shared} outlives); its data directory holds only its own
   * files (the lock, the admin key). For the multi-node tests; a real cluster shares a database and
   * a broker instead.
   */
  public static WarblerServer start(Settings settings, @Nullable Shared shared) {
    DataDirectory data = DataDirectory.open(settings.path(Setting.DATA_DIR));
    WarblerServer server;
    try {
      server = new WarblerServer(settings, data, shared);
    } catch (RuntimeException e) {
      data.close();
      throw e;
    }
    try {
      if (server.tls != null) {
        server.gateway.enableTls(server.tls.gateway());
      }
      server.webSocketPort =
          bind(
              settings,
              Setting.GATEWAY_HOST,
              Setting.GATEWAY_PORT,
              "--ws-port",
              server.gateway::start);
      server.httpPort =
          bind(settings, Setting.HTTP_HOST, Setting.HTTP_PORT, "--http-port", server::startApi);
      server.ready = true;
      if (server.tls != null) {
        server.tls.startReloading();
      }
      log.info(
          "warbler ready: http port {}, websocket port {}, data {}",
          server.httpPort,
          server.webSocketPort,
          settings.string(Setting.DATA_DIR));
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * Runs a listener's start; a port that cannot be bound fails with a message naming the setting,
   * the port and how to choose another (the JDK's own message says only "Address already in use").
   */
  private static int bind(
      Settings settings,
      Setting host,
      Setting port,
      String flag,
      java.util.function.IntSupplier start) {
    try {
      return start.getAsInt();
    } catch (Exception e) { // Netty rethrows its native bind error undeclared, as a checked one
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof IOException) {
          IllegalStateException failure =
              new IllegalStateException(
                  port.key()
                      + " "
                      + settings.integer(port)
                      + " on "
                      + settings.string(host)
                      + " cannot be bound ("
                      + bindReason(t)
                      + "); stop what uses it or choose another port with "
                      + flag
                      + " or "
                      + port.environmentVariable());
          failure.addSuppressed(e); // complete as it is: no cause to append to the one line
          throw failure;
        }
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(port.key() + " cannot be bound", e);
    }
  }

  /** "Address already in use", without Netty's "bind(..) failed with error(-98): " prefix. */
  private static String bindReason(Throwable t) {
    String m = String.valueOf(t.getMessage());
    int colon = m.lastIndexOf("): ");
    return colon >= 0 ? m.substring(colon + 3) : m;
  }

  /** Starts the REST API; discovery needs the gateway's bound port, known only now. */
  private int startApi() {
    RestApi rest =
        ApiWiring.api(
            settings,
            services,
            stores,
            adminKey,
            meters::scrape,
            () -> ready,
            rates,
            authThrottle,
            webSocketPort,
            tls,
            telemetry.api(),
            webhooks.webhooks(),
            webhooks.beforeSend());
    this.api = rest;
    return rest.start();
  }

  /** Encryption at rest of this node (for tests and tools). */
  public AtRestEncryption encryption() {
    return services.encryption();
  }

  public int webSocketPort() {
    return webSocketPort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** True when both listeners serve TLS (wss:// and https://). */
  public boolean tlsEnabled() {
    return tls != null;
  }

  public String adminKey() {
    return adminKey;
  }

  /** True when this start generated the admin key into the data directory. */
  public boolean adminKeyGenerated() {
    return adminKeyGenerated;
  }

  public Path adminKeyFile() {
    return settings.path(Setting.DATA_DIR).resolve(ADMIN_KEY_FILE);
  }

  public String defaultApp() {
    return defaultApp;
  }

  /** The REST operations served (for the OpenAPI test). */
  public List<Route> routes() {
    RestApi rest = api;
    return rest == null ? List.of() : rest.routes();
  }

  public Directory directory() {
    return services.directory();
  }

  /** This node's id in the cluster: {@code bus.node-id}, or the host name with a random suffix. */
  public String nodeId() {
    return node;
  }

  @Override
  public void close() {
    ready = false;
    int unready = settings.integer(Setting.SHUTDOWN_UNREADY_SECONDS);
    if (unready > 0) {
      // Load balancers poll /readyz: they stop routing new clients here before anyone is moved.
      log.info("draining: not ready; serving {} s more before clients are told to move", unready);
      try {
        Thread.sleep(unready * 1000L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (tls != null) {
      tls.close();
    }
    closeQuietly(gateway);
    RestApi rest = api;
    if (rest != null) {
      closeQuietly(rest);
    }
    // After the gateway closed every connection (last-seen times are queued by then), before
    // the store closes: the last counts and the last-seen writes reach the disk.
    jobs.close();
    webhooks.close();
    services.audit().flush(true);
    closeQuietly(busCloser);
    if (ownsStores) {
      closeQuietly(stores);
    }
    // Last: the spans of the final requests (and of the drain) are flushed to the collector.
    closeQuietly(telemetry.closer());
    meters.close();
    dataDirectory.close();
  }

  /**
   * What the nodes of a cluster in one process share, as real nodes share a database and a broker:
   * the stores (opened from one data directory) and one {@link LocalCluster}. Close it after the
   * nodes.
   */
  public static final class Shared implements AutoCloseable {
    private final DataDirectory data;
    private final PrometheusMeterRegistry meters;
    final StoreWiring.Opened opened;
    final LocalCluster cluster = new LocalCluster();

    private Shared(DataDirectory data, StoreWiring.Opened opened, PrometheusMeterRegistry meters) {
      this.data = data;
      this.opened = opened;
      this.meters = meters;
    }

    /** Opens the stores named by {@code settings} (its data directory, store and keys). */
    public static Shared open(Settings settings) {
      DataDirectory data = DataDirectory.open(settings.path(Setting.DATA_DIR));
      PrometheusMeterRegistry meters = MetricsWiring.registry();
      try {
        return new Shared(
            data, StoreWiring.open(settings, data, InstantSource.system(), meters), meters);
      } catch (RuntimeException e) {
        meters.close();
        data.close();
        throw e;
      }
    }

    public Stores stores() {
      return opened.stores();
    }

    public LocalCluster cluster() {
      return cluster;
    }

    @Override
    public void close() {
      closeQuietly(opened.stores());
      meters.close();
      data.close();
    }
  }

  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("error while closing {}", c.getClass().getSimpleName(), e);
    }
  }
}
