package dev.warbler.server;

import dev.warbler.core.Services;
import dev.warbler.core.access.Access;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.crypto.EncryptingStores;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.directory.Profiles;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.messaging.ContentFilter;
import dev.warbler.core.messaging.ConversationList;
import dev.warbler.core.messaging.LifecycleLimits;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.metering.Metering;
import dev.warbler.core.moderation.Moderation;
import dev.warbler.core.moderation.ReviewQueue;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.spi.Topic;
import dev.warbler.core.state.Presence;
import dev.warbler.core.state.Receipts;
import dev.warbler.core.state.StateLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The core services over the stores, wired from {@link Settings}: plain objects, no injection
 * framework. Called once, on the thread that starts the node; the order of construction is the
 * order in which services subscribe to the bus and to {@link Sessions}: views that forget (caches,
 * access) subscribe before {@link Sessions} acts on the same event (closing connections).
 */
final class CoreWiring {

  /** The core as the node holds it: the publisher (for metrics) and the services. */
  record Core(Publisher publisher, Services services) {}

  private CoreWiring() {}

  static Core wire(
      Settings settings,
      Path data,
      StoreWiring.Opened opened,
      Bus bus,
      PresenceRegistry registry,
      Limits limits,
      LifecycleLimits lifecycleLimits,
      InstantSource clock,
      MeterRegistry meters,
      OpenTelemetry telemetry,
      AtomicLong auditHeadSeq) {
    EncryptingStores stores = opened.stores();
    Publisher publisher = new Publisher(bus);
    // Caches subscribe first: they forget before Sessions closes connections on the same event.
    Access access = new Access(stores.access(), bus, publisher, clock);
    // Before the services that audit what they do whatever the transport (group bans, history).
    Audit audit = AuditWiring.open(settings, data, stores, clock, meters, auditHeadSeq);
    // Appends timed (warbler.store.append) and, in a traced send, spanned (store.append).
    MessageStore messages = new ObservedMessageStore(stores.messages(), meters, telemetry);
    // Before the messenger: every user message is screened by the app's word list.
    Moderation moderation =
        new Moderation(stores.moderation(), audit, clock, LimitWiring.moderation(settings));
    moderation.refresh();
    Messaging m =
        messaging(
            settings,
            stores,
            messages,
            limits,
            lifecycleLimits,
            clock,
            bus,
            publisher,
            audit,
            moderation);
    Sessions sessions = new Sessions(bus);
    Directory directory = m.directory();
    TokenService tokens =
        new TokenService(
            directory::findApp,
            clock,
            new HashSet<>(settings.list(Setting.AUTH_TOKEN_ALGORITHMS)),
            Duration.ofSeconds(settings.integer(Setting.AUTH_CLOCK_SKEW_SECONDS)));
    StateLimits stateLimits = LimitWiring.state(settings);
    ProfileStore profileStore = stores.profiles();
    Metering metering = new Metering(stores.usage(), sessions, publisher, clock);
    Services services =
        new Services(
            m.messenger(),
            directory,
            sessions,
            tokens,
            clock,
            m.lifecycle(),
            m.chatrooms(),
            m.contacts(),
            m.conversations(),
            m.groups(),
            new Receipts(
                m.messenger(),
                stores.messages(),
                stores.receipts(),
                directory,
                publisher,
                stateLimits),
            new Presence(sessions, bus, publisher, registry, profileStore, clock, stateLimits),
            new Profiles(profileStore, stateLimits),
            metering,
            access,
            audit,
            opened.encryption(),
            moderation,
            new ReviewQueue(stores.moderation(), messages, m.lifecycle(), audit, clock));
    // Chatroom messages are not stored; the node they are sent through counts them as sent.
    m.chatrooms().onMessage(metering::chatroomMessage);
    // Key state changed through this node: every node (this one included) forgets its entry.
    opened.encryption().onChange(app -> publisher.publish(new Event.EncryptionChanged(app)));
    bus.subscribe(
        Topic.nodes(),
        e -> {
          if (e instanceof Event.EncryptionChanged c) {
            opened.encryption().forget(c.app());
          }
        });
    return new Core(publisher, services);
  }

  /** The messaging services: groups, the directory, contacts, messages and their lifecycle. */
  private record Messaging(
      GroupAdmin groups,
      Directory directory,
      Contacts contacts,
      Messenger messenger,
      MessageLifecycle lifecycle,
      Chatrooms chatrooms,
      ConversationList conversations) {}

  private static Messaging messaging(
      Settings settings,
      EncryptingStores stores,
      MessageStore messages,
      Limits limits,
      LifecycleLimits lifecycleLimits,
      InstantSource clock,
      Bus bus,
      Publisher publisher,
      Audit audit,
      ContentFilter filter) {
    GroupAdmin groups =
        new GroupAdmin(
            stores.groups(),
            stores.directory(),
            bus,
            publisher,
            clock,
            limits,
            LimitWiring.groups(settings),
            audit,
            filter);
    Directory directory =
        new Directory(
            stores.directory(),
            groups,
            bus,
            publisher,
            clock,
            settings.integer(Setting.LIMITS_MAX_PROFILE_BYTES));
    Contacts contacts =
        new Contacts(
            stores.contacts(), directory, bus, publisher, clock, LimitWiring.contacts(settings));
    MessageLifecycleStore lifecycleStore = stores.lifecycle();
    Messenger messenger =
        new Messenger(
            messages,
            directory,
            publisher,
            clock,
            limits,
            lifecycleStore,
            lifecycleLimits,
            contacts,
            audit,
            filter);
    MessageLifecycle lifecycle =
        new MessageLifecycle(messenger, directory, lifecycleStore, publisher, clock);
    Chatrooms chatrooms =
        new Chatrooms(
            stores.chatrooms(),
            directory,
            messenger,
            bus,
            publisher,
            clock,
            LimitWiring.chatrooms(settings));
    ConversationList conversations =
        new ConversationList(
            stores.conversationSettings(),
            stores.messages(),
            messenger,
            directory,
            limits,
            settings.integer(Setting.LIMITS_MAX_CONVERSATION_CUSTOM_BYTES));
    return new Messaging(
        groups, directory, contacts, messenger, lifecycle, chatrooms, conversations);
  }
}
