package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.Services;
import dev.warbler.core.access.Access;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.chatrooms.ChatroomLimits;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.contacts.ContactLimits;
import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.directory.Profiles;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupLimits;
import dev.warbler.core.messaging.ConversationList;
import dev.warbler.core.messaging.LifecycleLimits;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.metering.Metering;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.state.Presence;
import dev.warbler.core.state.Receipts;
import dev.warbler.core.state.StateLimits;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.store.sqlite.Durability;
import dev.warbler.store.sqlite.SqliteConfig;
import dev.warbler.store.sqlite.SqliteStores;
import dev.warbler.testkit.RawClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A real gateway on an ephemeral port over a real SQLite store in a temp dir, with the app {@code
 * acme}, and helpers to make users and authenticated raw clients.
 */
final class TestGateway implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(5);
  static final String APP = "acme";

  final Path dir;
  final SqliteStores stores;
  final LocalCluster cluster = new LocalCluster();
  final Bus bus;
  final Publisher publisher;
  final Sessions sessions;
  final GroupAdmin groups;
  final Directory directory;
  final Messenger messenger;
  final MessageLifecycle lifecycle;
  final TokenService tokens;
  final Chatrooms chatrooms;
  final Contacts contacts;
  final Receipts receipts;
  final Presence presence;
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final Gateway gateway;
  final App app;
  final Access access;
  final Audit audit;
  final int port;
  private final AtomicInteger ids = new AtomicInteger();
  private final List<RawClient> clients = new ArrayList<>();

  TestGateway(GatewayConfig config) {
    this(config, StateLimits.DEFAULTS);
  }

  TestGateway(GatewayConfig config, StateLimits stateLimits) {
    this(
        config,
        InstantSource.system(),
        Limits.DEFAULTS,
        LifecycleLimits.DEFAULTS,
        ChatroomLimits.DEFAULTS,
        UnaryOperator.identity(),
        stateLimits);
  }

  /**
   * A gateway with other limits, whose group store is wrapped by {@code groupStore} (e.g. to count
   * calls).
   */
  TestGateway(GatewayConfig config, Limits limits, UnaryOperator<GroupStore> groupStore) {
    this(
        config,
        InstantSource.system(),
        limits,
        LifecycleLimits.DEFAULTS,
        ChatroomLimits.DEFAULTS,
        groupStore,
        StateLimits.DEFAULTS);
  }

  TestGateway(GatewayConfig config, ChatroomLimits roomLimits) {
    this(
        config,
        InstantSource.system(),
        Limits.DEFAULTS,
        LifecycleLimits.DEFAULTS,
        roomLimits,
        UnaryOperator.identity(),
        StateLimits.DEFAULTS);
  }

  TestGateway(GatewayConfig config, InstantSource clock, LifecycleLimits lifecycleLimits) {
    this(
        config,
        clock,
        Limits.DEFAULTS,
        lifecycleLimits,
        ChatroomLimits.DEFAULTS,
        UnaryOperator.identity(),
        StateLimits.DEFAULTS);
  }

  TestGateway(
      GatewayConfig config,
      InstantSource clock,
      Limits limits,
      LifecycleLimits lifecycleLimits,
      ChatroomLimits roomLimits,
      UnaryOperator<GroupStore> groupStore,
      StateLimits stateLimits) {
    this(
        config,
        clock,
        limits,
        lifecycleLimits,
        roomLimits,
        groupStore,
        stateLimits,
        GatewayLimits.none());
  }

  /** A gateway with connection and rate limits. */
  TestGateway(GatewayConfig config, GatewayLimits gatewayLimits) {
    this(
        config,
        InstantSource.system(),
        Limits.DEFAULTS,
        LifecycleLimits.DEFAULTS,
        ChatroomLimits.DEFAULTS,
        UnaryOperator.identity(),
        StateLimits.DEFAULTS,
        gatewayLimits);
  }

  TestGateway(
      GatewayConfig config,
      InstantSource clock,
      Limits limits,
      LifecycleLimits lifecycleLimits,
      ChatroomLimits roomLimits,
      UnaryOperator<GroupStore> groupStore,
      StateLimits stateLimits,
      GatewayLimits gatewayLimits) {
    try {
      dir = Files.createTempDirectory("warbler-gateway-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stores =
        new SqliteStores(
            new SqliteConfig(dir.resolve("warbler.db"), Durability.OFF, 1_000, 100_000, 2));
    bus = cluster.bus();
    publisher = new Publisher(bus);
    access = new Access(stores.access(), bus, publisher, clock);
    dev.warbler.core.audit.AuditKey auditKey = new dev.warbler.core.audit.AuditKey(new byte[32]);
    audit = new Audit(stores.auditLog(auditKey), auditKey, clock, Duration.ofMinutes(1), 10_000);
    groups =
        new GroupAdmin(
            groupStore.apply(stores.groups()),
            stores.directory(),
            bus,
            publisher,
            clock,
            limits,
            GroupLimits.DEFAULTS,
            audit);
    directory =
        new Directory(
            stores.directory(), groups, bus, publisher, clock, stateLimits.maxProfileBytes());
    contacts =
        new Contacts(stores.contacts(), directory, bus, publisher, clock, ContactLimits.DEFAULTS);
    sessions = new Sessions(bus);
    MessageLifecycleStore lifecycleStore = stores.lifecycle();
    dev.warbler.core.moderation.Moderation moderation =
        new dev.warbler.core.moderation.Moderation(
            stores.moderation(),
            audit,
            clock,
            dev.warbler.core.moderation.ModerationLimits.DEFAULTS);
    messenger =
        new Messenger(
            stores.messages(),
            directory,
            publisher,
            clock,
            limits,
            lifecycleStore,
            lifecycleLimits,
            contacts,
            audit,
            moderation);
    lifecycle = new MessageLifecycle(messenger, directory, lifecycleStore, publisher, clock);
    chatrooms =
        new Chatrooms(stores.chatrooms(), directory, messenger, bus, publisher, clock, roomLimits);
    tokens = new TokenService(directory::findApp, clock, Set.of("HS256"), Duration.ofSeconds(30));
    receipts =
        new Receipts(
            messenger, stores.messages(), stores.receipts(), directory, publisher, stateLimits);
    presence =
        new Presence(
            sessions, bus, publisher, cluster.presence(), stores.profiles(), clock, stateLimits);
    Metering metering = new Metering(stores.usage(), sessions, publisher, clock);
    chatrooms.onMessage(metering::chatroomMessage);
    app = directory.createApp(APP, "Acme");
    gateway =
        new Gateway(
            config.withHost("127.0.0.1").withPort(0),
            new Services(
                messenger,
                directory,
                sessions,
                tokens,
                clock,
                lifecycle,
                chatrooms,
                contacts,
                new ConversationList(
                    stores.conversationSettings(),
                    stores.messages(),
                    messenger,
                    directory,
                    limits,
                    4096),
                groups,
                receipts,
                presence,
                new Profiles(stores.profiles(), stateLimits),
                metering,
                access,
                audit,
                AtRestEncryption.disabled(clock),
                moderation,
                new dev.warbler.core.moderation.ReviewQueue(
                    stores.moderation(), stores.messages(), lifecycle, audit, clock)),
            meters,
            gatewayLimits);
    port = gateway.start();
  }

  TestGateway() {
    this(GatewayConfig.defaults());
  }

  URI uri() {
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  /** A new user of {@code acme}, unique within this gateway. */
  String newUser() {
    String id = "u" + ids.incrementAndGet();
    directory.createUser(APP, id, id);
    return id;
  }

  String token(String user) {
    return tokens.issue(app, user, Duration.ofMinutes(10));
  }

  /** A connected client that has not authenticated; closed with the gateway. */
  RawClient connect(Encoding encoding) {
    return track(RawClient.connect(uri(), encoding));
  }

  RawClient track(RawClient client) {
    synchronized (clients) {
      clients.add(client);
    }
    return client;
  }

  /** A client authenticated as {@code user}. */
  RawClient login(String user, Encoding encoding) {
    RawClient client = connect(encoding);
    ServerFrame ok = client.request(auth("auth", token(user)));
    assertThat(ok.hasAuthOk()).as("auth answer %s", ok).isTrue();
    return client;
  }

  RawClient login(String user) {
    return login(user, Encoding.JSON);
  }

  static ClientFrame auth(String id, String token) {
    return ClientFrame.newBuilder().setId(id).setAuth(Auth.newBuilder().setToken(token)).build();
  }

  double counter(String name) {
    return meters.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Override
  public void close() {
    synchronized (clients) {
      clients.forEach(RawClient::close);
    }
    gateway.close();
    bus.close();
    stores.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temp dir.
    }
  }
}
