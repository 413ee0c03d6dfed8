package dev.warbler.server;

import dev.warbler.api.ApiConfig;
import dev.warbler.api.RestApi;
import dev.warbler.core.Services;
import dev.warbler.core.access.Access;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.RateLimits;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.access.TrustedProxies;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.chatrooms.ChatroomLimits;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.contacts.ContactLimits;
import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.crypto.EncryptingStores;
import dev.warbler.core.crypto.MasterKeys;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.directory.Profiles;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupLimits;
import dev.warbler.core.messaging.ConversationList;
import dev.warbler.core.messaging.LifecycleLimits;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.messaging.Templates;
import dev.warbler.core.metering.Metering;
import dev.warbler.core.sessions.LocalBus;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.spi.Stores;
import dev.warbler.core.state.Presence;
import dev.warbler.core.state.Receipts;
import dev.warbler.core.state.StateLimits;
import dev.warbler.gateway.Gateway;
import dev.warbler.gateway.GatewayConfig;
import dev.warbler.gateway.GatewayLimits;
import dev.warbler.store.sqlite.Durability;
import dev.warbler.store.sqlite.SqliteConfig;
import dev.warbler.store.sqlite.SqliteStores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Warbler node: store, bus, core, gateway and REST API wired from {@link Settings}. Plain
 * objects, no injection framework. {@link #close()} drains: not ready, clients told to reconnect
 * elsewhere, listeners stopped, store flushed.
 */
public final class WarblerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WarblerServer.class);
  public static final String ADMIN_KEY_FILE = "admin.key";
  public static final String AUDIT_KEY_FILE = "audit.key";

  private final Settings settings;
  private final DataDirectory dataDirectory;
  private final Stores stores;
  private final LocalBus bus;
  private final Sessions sessions;
  private final GroupAdmin groups;
  private final Directory directory;
  private final Messenger messenger;
  private final Gateway gateway;
  private final TokenService tokens;
  private final Services services;
  private final Metering metering;
  private final Access access;
  private final Audit audit;
  private final AtomicLong auditHeadSeq = new AtomicLong();
  private final RateLimiter rates;
  private final AuthThrottle authThrottle;
  private final AtRestEncryption encryption;
  private final ScheduledExecutorService usageFlusher;
  private @Nullable RestApi api;
  private final PrometheusMeterRegistry meters;
  private final @Nullable ServerTls tls;
  private final String adminKey;
  private final boolean adminKeyGenerated;
  private final String defaultApp;
  private volatile boolean ready;
  private int webSocketPort;
  private int httpPort;

  private WarblerServer(Settings settings, DataDirectory dataDirectory) {
    this.settings = settings;
    this.dataDirectory = dataDirectory;
    InstantSource clock = InstantSource.system();
    Path data = dataDirectory.path();
    String configuredKey = settings.string(Setting.AUTH_ADMIN_KEY).strip();
    this.adminKeyGenerated = configuredKey.isEmpty() && !Files.exists(data.resolve(ADMIN_KEY_FILE));
    this.adminKey =
        configuredKey.isEmpty()
            ? AdminKey.requireStrong(
                adminKeyFromFile(data), data.resolve(ADMIN_KEY_FILE).toString())
            : AdminKey.requireStrong(configuredKey, "auth.admin-key (WARBLER_ADMIN_KEY)");
    Limits limits =
        new Limits(
            settings.integer(Setting.LIMITS_MAX_MESSAGE_BYTES),
            settings.integer(Setting.LIMITS_MAX_GROUP_MEMBERS),
            settings.integer(Setting.LIMITS_SYNC_PAGE_MAX),
            settings.integer(Setting.LIMITS_PULL_PAGE_MAX));
    LifecycleLimits lifecycleLimits =
        new LifecycleLimits(
            settings.integer(Setting.LIMITS_RECALL_WINDOW_SECONDS),
            settings.integer(Setting.LIMITS_EDIT_WINDOW_SECONDS),
            settings.integer(Setting.LIMITS_MAX_MENTIONS),
            settings.integer(Setting.LIMITS_MAX_REACTION_KINDS));
    this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(meters);
    new JvmGcMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    // Before anything opens: a bad certificate or key fails the start with nothing to clean up.
    this.tls = ServerTls.fromSettings(settings, meters).orElse(null);

    Stores plain = openStores(settings, dataDirectory, meters);
    MasterKeys masterKeys;
    try {
      masterKeys = masterKeys(settings);
    } catch (RuntimeException e) {
      closeQuietly(plain);
      throw e;
    }
    // Data keys first: their check names a wrong or missing master key most precisely.
    this.encryption = encryption(masterKeys, plain, clock);
    EncryptingStores stores = new EncryptingStores(plain, encryption, masterKeys);
    this.stores = stores;
    try {
      int sealed = stores.directory().sealAll();
      if (sealed > 0) {
        log.info("sealed {} app secrets with the current master key", sealed);
      }
    } catch (RuntimeException e) {
      closeQuietly(stores);
      throw e;
    }
    this.bus = new LocalBus();
    this.sessions = new Sessions(bus);
    this.groups =
        new GroupAdmin(
            stores.groups(),
            stores.directory(),
            sessions,
            clock,
            limits,
            new GroupLimits(
                settings.integer(Setting.LIMITS_MAX_GROUP_PROFILE_BYTES),
                settings.integer(Setting.LIMITS_MAX_JOIN_REQUESTS),
                settings.integer(Setting.LIMITS_GROUP_PAGE_MAX)));
    this.directory =
        new Directory(
            stores.directory(),
            groups,
            sessions,
            clock,
            settings.integer(Setting.LIMITS_MAX_PROFILE_BYTES));
    Contacts contacts =
        new Contacts(
            stores.contacts(),
            directory,
            sessions,
            clock,
            new ContactLimits(
                settings.integer(Setting.CONTACTS_MAX_FRIENDS),
                settings.integer(Setting.CONTACTS_MAX_BLOCKED),
                settings.integer(Setting.CONTACTS_MAX_PENDING_REQUESTS),
                settings.integer(Setting.CONTACTS_MAX_REQUEST_MESSAGE_BYTES),
                settings.integer(Setting.CONTACTS_PAGE_MAX)));
    this.messenger =
        new Messenger(
            stores.messages(),
            directory,
            bus,
            clock,
            limits,
            stores.lifecycle(),
            lifecycleLimits,
            contacts);
    MessageLifecycle lifecycle =
        new MessageLifecycle(messenger, directory, stores.lifecycle(), bus, clock);
    Chatrooms chatrooms =
        new Chatrooms(
            stores.chatrooms(),
            directory,
            messenger,
            clock,
            new ChatroomLimits(
                settings.integer(Setting.CHATROOM_RECENT_MESSAGES),
                settings.integer(Setting.CHATROOM_MAX_PRESENT),
                settings.integer(Setting.CHATROOM_MAX_ROOMS_PER_CONNECTION),
                settings.integer(Setting.CHATROOM_MAX_ROOMS)));
    ConversationList conversations =
        new ConversationList(
            stores.conversationSettings(),
            stores.messages(),
            messenger,
            directory,
            limits,
            settings.integer(Setting.LIMITS_MAX_CONVERSATION_CUSTOM_BYTES));
    this.tokens =
        new TokenService(
            directory::findApp,
            clock,
            new HashSet<>(settings.list(Setting.AUTH_TOKEN_ALGORITHMS)),
            Duration.ofSeconds(settings.integer(Setting.AUTH_CLOCK_SKEW_SECONDS)));

    StateLimits stateLimits =
        new StateLimits(
            settings.integer(Setting.LIMITS_RECEIPT_FANOUT_MAX_MEMBERS),
            settings.integer(Setting.LIMITS_TYPING_MAX_MEMBERS),
            Duration.ofMillis(settings.integer(Setting.GATEWAY_TYPING_MIN_INTERVAL_MS)),
            settings.integer(Setting.LIMITS_PRESENCE_SUBSCRIPTIONS),
            settings.integer(Setting.LIMITS_LIST_PAGE_MAX),
            settings.integer(Setting.LIMITS_MAX_PROFILE_BYTES));
    ProfileStore profileStore = stores.profiles();
    this.metering = new Metering(stores.usage(), sessions, bus, clock);
    this.access = new Access(stores.access(), sessions, clock);
    int auditWindow = settings.integer(Setting.AUDIT_COALESCE_WINDOW_SECONDS);
    if (auditWindow <= 0) {
      throw new IllegalArgumentException(
          "audit.coalesce-window-seconds must be positive but was " + auditWindow);
    }
    AuditKey auditKey = auditKey(settings, data);
    this.audit =
        new Audit(
            stores.auditLog(auditKey),
            auditKey,
            clock,
            Duration.ofSeconds(auditWindow),
            settings.integer(Setting.AUDIT_MAX_COALESCED_KEYS));
    Audit.ChainStatus chain = audit.open();
    if (chain.intact()) {
      log.info(
          "audit log verified: {} entries ({} before the chain was keyed), head seq {} hash {},"
              + " key {}",
          chain.checked(),
          chain.legacy(),
          chain.headSeq(),
          chain.head(),
          auditKey.id());
    } else {
      // Operator must act now: the audit trail was edited, cut or written with another key.
      log.error(
          "AUDIT LOG BROKEN: {} ({} entries before it verify; key {})",
          chain.problem().orElseThrow(),
          chain.checked(),
          auditKey.id());
    }
    Gauge.builder("warbler.audit.chain.intact", () -> chain.intact() ? 1 : 0)
        .description("1 when the audit chain verified at start under the configured key, else 0")
        .register(meters);
    Gauge.builder("warbler.audit.head.seq", auditHeadSeq, AtomicLong::get)
        .description("Seq of the audit chain's newest entry at the last head publication")
        .register(meters);
    this.services =
        new Services(
            messenger,
            directory,
            sessions,
            tokens,
            clock,
            lifecycle,
            chatrooms,
            contacts,
            conversations,
            groups,
            new Receipts(
                messenger, stores.messages(), stores.receipts(), directory, sessions, stateLimits),
            new Presence(sessions, profileStore, clock, stateLimits),
            new Profiles(profileStore, stateLimits),
            metering,
            access,
            audit,
            encryption);
    // What lives beside the store forgets a deleted user too (Contacts registers itself).
    directory.onUserDeleted(access::forget);
    directory.onUserDeleted(services.presence()::forget);
    // Chatroom messages are not stored, so the bus never sees them; they count as sent messages.
    chatrooms.onMessage(metering::chatroomMessage);
    int flushSeconds = settings.integer(Setting.USAGE_FLUSH_INTERVAL_SECONDS);
    if (flushSeconds <= 0) {
      throw new IllegalArgumentException(
          "usage.flush-interval-seconds must be positive but was " + flushSeconds);
    }
    this.usageFlusher =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "usage-flush");
          t.setDaemon(true);
          return t;
        });
    usageFlusher.scheduleWithFixedDelay(
        this::flushUsage, flushSeconds, flushSeconds, TimeUnit.SECONDS);
    // Coalesced audit failures whose window ended, and revoked tokens past their expiry.
    usageFlusher.scheduleWithFixedDelay(this::flushAudit, 1, 1, TimeUnit.SECONDS);
    usageFlusher.scheduleWithFixedDelay(this::purgeRevoked, 1, 60, TimeUnit.MINUTES);
    int headSeconds = settings.integer(Setting.AUDIT_HEAD_INTERVAL_SECONDS);
    if (headSeconds < 0) {
      throw new IllegalArgumentException(
          "audit.head-interval-seconds must be 0 (never) or positive but was " + headSeconds);
    }
    publishAuditHead();
    if (headSeconds > 0) {
      usageFlusher.scheduleWithFixedDelay(
          this::publishAuditHead, headSeconds, headSeconds, TimeUnit.SECONDS);
    }
    Counter stored = meters.counter("warbler.messages.stored");
    bus.subscribe(d -> {
      if (d.message().extras().deletedForMe()) {
        return; // a delete-for-me notice to one user's devices, not a stored message
      }
      stored.increment();
    });
    // Pushes to connections: a group delivery names no recipients (see Delivery).
    FunctionCounter.builder("warbler.messages.fanout", sessions, Sessions::pushes)
        .description("Messages pushed to connections on this node")
        .register(meters);
    Gauge.builder("warbler.sessions", sessions, Sessions::count).register(meters);
    Gauge.builder("warbler.presence.watched.users", services.presence(), Presence::watchedUsers)
        .description("Users watched by at least one presence subscription on this node")
        .register(meters);

    this.defaultApp = settings.string(Setting.AUTH_DEFAULT_APP);
    directory.ensureApp(defaultApp, "Default app");

    this.rates = new RateLimiter(rateLimits(settings));
    this.authThrottle =
        new AuthThrottle(
            settings.integer(Setting.LIMITS_AUTH_FAILURES_PER_MINUTE),
            settings.integer(Setting.LIMITS_AUTH_FAILURES_BURST),
            settings.integer(Setting.LIMITS_AUTH_FAILURES_MAX_ADDRESSES));
    for (AuthThrottle.Surface surface : AuthThrottle.Surface.values()) {
      FunctionCounter.builder("warbler.auth.failures", authThrottle, t -> t.failures(surface))
          .description("Failed authentications that count as guesses (bad key, bad signature)")
          .tag("surface", surface.tag())
          .register(meters);
      FunctionCounter.builder("warbler.auth.throttled", authThrottle, t -> t.refused(surface))
          .description("Authentications refused unread: their address failed too often")
          .tag("surface", surface.tag())
          .register(meters);
    }
    for (RateLimiter.Scope scope : RateLimiter.Scope.values()) {
      FunctionCounter.builder("warbler.rate.limited", rates, r -> r.refused(scope))
          .description("Requests refused by a rate limit, by the bucket that refused")
          .tag("scope", scope.tag())
          .register(meters);
    }
    this.gateway =
        new Gateway(
            new GatewayConfig(
                settings.string(Setting.GATEWAY_HOST),
                settings.integer(Setting.GATEWAY_PORT),
                settings.string(Setting.GATEWAY_PATH),
                settings.integer(Setting.GATEWAY_MAX_FRAME_BYTES),
                Duration.ofSeconds(settings.integer(Setting.GATEWAY_IDLE_TIMEOUT_SECONDS)),
                Duration.ofSeconds(settings.integer(Setting.GATEWAY_AUTH_TIMEOUT_SECONDS)),
                Duration.ofSeconds(settings.integer(Setting.GATEWAY_HANDSHAKE_TIMEOUT_SECONDS)),
                settings.integer(Setting.GATEWAY_MAX_OUTBOUND_BYTES),
                settings.list(Setting.GATEWAY_ALLOWED_ORIGINS),
                settings.bool(Setting.GATEWAY_COMPRESSION),
                settings.integer(Setting.GATEWAY_SOCKET_SEND_BUFFER_BYTES)),
            services,
            meters,
            new GatewayLimits(
                rates,
                settings.integer(Setting.GATEWAY_MAX_CONNECTIONS_PER_IP),
                settings.integer(Setting.GATEWAY_MAX_CONNECTIONS_PER_USER),
                new RateLimits.Rate(
                    settings.integer(Setting.LIMITS_RATE_CONTROL_PER_SECOND),
                    settings.integer(Setting.LIMITS_RATE_CONTROL_BURST)),
                authThrottle));
    gateway.trustProxies(TrustedProxies.parse(settings.list(Setting.HTTP_TRUSTED_PROXIES)));
  }

  private static RateLimits rateLimits(Settings settings) {
    return new RateLimits(
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_USER_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_USER_BURST)),
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_SIGNAL_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_SIGNAL_BURST)),
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_APP_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_APP_BURST)),
        new RateLimits.Rate(
            settings.integer(Setting.LIMITS_RATE_REST_PER_SECOND),
            settings.integer(Setting.LIMITS_RATE_REST_BURST)),
        settings.integer(Setting.LIMITS_RATE_REFUSALS_BEFORE_PAUSE),
        settings.integer(Setting.LIMITS_RATE_MAX_PAUSE_MS));
  }

  /** Builds and starts a node; on failure everything opened so far is closed. */
  public static WarblerServer start(Settings settings) {
    DataDirectory data = DataDirectory.open(settings.path(Setting.DATA_DIR));
    WarblerServer server;
    try {
      server = new WarblerServer(settings, data);
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
        new RestApi(
            new ApiConfig(
                settings.string(Setting.HTTP_HOST),
                settings.integer(Setting.HTTP_PORT),
                settings.integer(Setting.HTTP_MAX_BODY_BYTES),
                settings.string(Setting.HTTP_PUBLIC_WEBSOCKET_URL),
                webSocketPort,
                settings.string(Setting.GATEWAY_PATH),
                settings.integer(Setting.AUTH_TOKEN_MAX_TTL_SECONDS),
                TrustedProxies.parse(settings.list(Setting.HTTP_TRUSTED_PROXIES)),
                settings.list(Setting.HTTP_ALLOWED_HOSTS)),
            services,
            adminKey,
            meters::scrape,
            () -> ready,
            new Templates(
                stores.templates(),
                InstantSource.system(),
                settings.integer(Setting.LIMITS_MAX_TEMPLATE_BYTES)),
            rates,
            authThrottle);
    if (tls != null) {
      rest.enableTls(tls.api());
    }
    rest.useTimeouts(
        new dev.warbler.api.HttpTimeouts(
            Duration.ofSeconds(settings.integer(Setting.HTTP_IDLE_TIMEOUT_SECONDS)),
            Duration.ofSeconds(settings.integer(Setting.HTTP_HEADER_TIMEOUT_SECONDS)),
            Duration.ofSeconds(settings.integer(Setting.HTTP_BODY_TIMEOUT_SECONDS))));
    this.api = rest;
    return rest.start();
  }

  /**
   * The store bundle of {@code store.kind} (ADR 0017); kind-specific gauges go to {@code meters}.
   * The server wraps it in {@link EncryptingStores} and takes every port from it. A new kind is a
   * case here, a module implementing {@link Stores}, and its run of the testkit's store contracts.
   */
  private static Stores openStores(Settings settings, DataDirectory data, MeterRegistry meters) {
    String kind = settings.string(Setting.STORE_KIND);
    switch (kind.strip().toLowerCase(Locale.ROOT)) {
      case "sqlite" -> {
        SqliteStores sqlite =
            new SqliteStores(
                new SqliteConfig(
                    data.database(),
                    durability(settings.string(Setting.STORE_DURABILITY)),
                    settings.integer(Setting.STORE_MAX_BATCH),
                    settings.integer(Setting.STORE_WRITE_QUEUE),
                    settings.integer(Setting.STORE_READ_CONNECTIONS)));
        // Read from the writer connection at each scrape: what store.sqlite.durability became.
        Gauge.builder("warbler.store.sqlite.synchronous", sqlite, SqliteStores::synchronous)
            .description(
                "PRAGMA synchronous of the store's writer: 2 FULL (fsync per commit), 1 NORMAL,"
                    + " 0 OFF")
            .register(meters);
        return sqlite;
      }
      default ->
          throw new IllegalArgumentException(
              Setting.STORE_KIND.key() + " must be sqlite but was '" + kind + "'");
    }
  }

  /**
   * Encryption at rest (ADR 0011): the master key from the configuration, checked against every
   * stored data key; keys wrapped by a previous master key are rewrapped now. A wrong or missing
   * master key for existing data keys fails the start (the store is closed again).
   */
  private static AtRestEncryption encryption(MasterKeys keys, Stores stores, InstantSource clock) {
    try {
      AtRestEncryption e = new AtRestEncryption(stores.dataKeys(), keys, clock);
      int rewrapped = e.rewrapAll();
      if (rewrapped > 0) {
        log.info(
            "encryption at rest: {} data keys rewrapped with the current master key", rewrapped);
      }
      return e;
    } catch (RuntimeException e) {
      closeQuietly(stores);
      throw e;
    }
  }

  static MasterKeys masterKeys(Settings settings) {
    String inline = settings.string(Setting.SECURITY_MASTER_KEY).trim();
    String file = settings.string(Setting.SECURITY_MASTER_KEY_FILE).trim();
    List<String> previous = settings.list(Setting.SECURITY_PREVIOUS_MASTER_KEYS);
    if (!inline.isEmpty() && !file.isEmpty()) {
      throw new IllegalArgumentException(
          "set security.master-key or security.master-key-file, not both");
    }
    String encoded = file.isEmpty() ? inline : readKeyFile(Path.of(file));
    if (encoded.isEmpty()) {
      if (!previous.isEmpty()) {
        throw new IllegalArgumentException(
            "security.previous-master-keys is set but there is no security.master-key to rewrap"
                + " with");
      }
      return MasterKeys.none();
    }
    List<byte[]> old = new java.util.ArrayList<>();
    for (String p : previous) {
      old.add(decodeKey("a key of security.previous-master-keys", p));
    }
    return MasterKeys.of(decodeKey("security.master-key", encoded), old);
  }

  private static byte[] decodeKey(String what, String base64) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not valid base64", e);
    }
    if (key.length != MasterKeys.KEY_BYTES) {
      throw new IllegalArgumentException(
          what
              + " must be base64 of "
              + MasterKeys.KEY_BYTES
              + " random bytes (e.g. openssl rand -base64 32) but decodes to "
              + key.length
              + " bytes");
    }
    return key;
  }

  /** The master key file; refused when group or others may read it (POSIX file systems). */
  private static String readKeyFile(Path file) {
    try {
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        for (PosixFilePermission p :
            List.of(
                PosixFilePermission.GROUP_READ,
                PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE)) {
          if (perms.contains(p)) {
            throw new IllegalArgumentException(
                "security.master-key-file "
                    + file
                    + " is accessible by group or others ("
                    + PosixFilePermissions.toString(perms)
                    + "); chmod 600 it");
          }
        }
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read security.master-key-file " + file, e);
    }
  }

  /** Encryption at rest of this node (for tests and tools). */
  public AtRestEncryption encryption() {
    return encryption;
  }

  private static Durability durability(String v) {
    try {
      return Durability.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "store.sqlite.durability must be FULL, NORMAL or OFF but was '" + v + "'");
    }
  }

  private static String adminKeyFromFile(Path data) {
    Path file = data.resolve(ADMIN_KEY_FILE);
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      byte[] bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      String key = "wk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      Files.createFile(file, FilePermissions.ownerOnlyFile(file));
      Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
      return key;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or write the admin key at " + file, e);
    }
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
  public java.util.List<dev.warbler.api.Route> routes() {
    RestApi rest = api;
    return rest == null ? java.util.List.of() : rest.routes();
  }

  public Directory directory() {
    return directory;
  }

  @Override
  public void close() {
    ready = false;
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
    usageFlusher.shutdownNow();
    flushUsage();
    audit.flush(true);
    closeQuietly(bus);
    closeQuietly(stores);
    meters.close();
    dataDirectory.close();
  }

  private void flushUsage() {
    try {
      metering.flush();
    } catch (RuntimeException e) {
      log.warn("could not persist usage counters; keeping them for the next flush", e);
    }
  }

  private void flushAudit() {
    try {
      audit.flush(false);
    } catch (RuntimeException e) {
      log.warn("could not flush coalesced audit events", e);
    }
  }

  /**
   * Logs the audit chain's head and exports its seq: kept by the log collector, an earlier head
   * shows a cut tail that the chain alone cannot ({@code audit verify --expect-head}).
   */
  private void publishAuditHead() {
    try {
      audit
          .head()
          .ifPresent(h -> {
            auditHeadSeq.set(h.seq());
            log.info("audit head: seq {} hash {} key {}", h.seq(), h.hash(), audit.keyId());
          });
    } catch (RuntimeException e) {
      log.warn("could not read the audit head", e);
    }
  }

  /**
   * The audit chain's key: {@code audit.key-file} (refused if others may read it), else {@code
   * DATA/audit.key}, generated (0600) on first start. Base64 of at least 32 bytes.
   */
  static AuditKey auditKey(Settings settings, Path data) {
    String configured = settings.string(Setting.AUDIT_KEY_FILE).strip();
    Path file = configured.isEmpty() ? data.resolve(AUDIT_KEY_FILE) : Path.of(configured);
    String what = configured.isEmpty() ? "the audit key file" : Setting.AUDIT_KEY_FILE.key();
    try {
      if (configured.isEmpty() && !Files.exists(file)) {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        Files.createFile(file, FilePermissions.ownerOnlyFile(file));
        Files.writeString(
            file, Base64.getEncoder().encodeToString(bytes) + "\n", StandardCharsets.UTF_8);
        log.info(
            "generated the audit chain key into {}; keep a copy off this machine to verify the"
                + " log later, or set audit.key-file",
            file);
      }
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(what + " " + file + " does not exist");
      }
      FilePermissions.requireNotOpenToOthers(file, what, "600");
      byte[] key;
      try {
        key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + " " + file + " is not valid base64", e);
      }
      if (key.length < AuditKey.MIN_BYTES) {
        throw new IllegalArgumentException(
            what
                + " "
                + file
                + " must hold base64 of at least "
                + AuditKey.MIN_BYTES
                + " random bytes (openssl rand -base64 32) but holds "
                + key.length);
      }
      return new AuditKey(key);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read or create " + what + " " + file, e);
    }
  }

  private void purgeRevoked() {
    try {
      access.purgeExpired();
    } catch (RuntimeException e) {
      log.warn("could not purge expired revoked tokens", e);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("error while closing {}", c.getClass().getSimpleName(), e);
    }
  }
}
