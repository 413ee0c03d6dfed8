package dev.warbler.server;

import dev.warbler.core.Services;
import dev.warbler.core.access.Access;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.crypto.EncryptingStores;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.directory.Profiles;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.messaging.ConversationList;
import dev.warbler.core.messaging.LifecycleLimits;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.metering.Metering;
import dev.warbler.core.sessions.LocalBus;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.state.Presence;
import dev.warbler.core.state.Receipts;
import dev.warbler.core.state.StateLimits;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The core services over the stores, wired from {@link Settings}: plain objects, no injection
 * framework. Called once, on the thread that starts the node; the order of construction is the
 * order in which services subscribe to the bus and to {@link Sessions}.
 */
final class CoreWiring {

  /** The core as the node holds it: the bus (closed last) and the services. */
  record Core(LocalBus bus, Services services) {}

  private CoreWiring() {}

  static Core wire(
      Settings settings,
      Path data,
      StoreWiring.Opened opened,
      Limits limits,
      LifecycleLimits lifecycleLimits,
      InstantSource clock,
      MeterRegistry meters,
      AtomicLong auditHeadSeq) {
    EncryptingStores stores = opened.stores();
    LocalBus bus = new LocalBus();
    Sessions sessions = new Sessions(bus);
    // Before the services that audit what they do whatever the transport (group bans, history).
    Audit audit = AuditWiring.open(settings, data, stores, clock, meters, auditHeadSeq);
    Messaging m = messaging(settings, stores, limits, lifecycleLimits, clock, bus, sessions, audit);
    Directory directory = m.directory();
    TokenService tokens =
        new TokenService(
            directory::findApp,
            clock,
            new HashSet<>(settings.list(Setting.AUTH_TOKEN_ALGORITHMS)),
            Duration.ofSeconds(settings.integer(Setting.AUTH_CLOCK_SKEW_SECONDS)));
    StateLimits stateLimits = LimitWiring.state(settings);
    ProfileStore profileStore = stores.profiles();
    Metering metering = new Metering(stores.usage(), sessions, bus, clock);
    Access access = new Access(stores.access(), sessions, clock);
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
                sessions,
                stateLimits),
            new Presence(sessions, profileStore, clock, stateLimits),
            new Profiles(profileStore, stateLimits),
            metering,
            access,
            audit,
            opened.encryption());
    // What lives beside the store forgets a deleted user too (Contacts registers itself).
    directory.onUserDeleted(access::forget);
    directory.onUserDeleted(services.presence()::forget);
    // Chatroom messages are not stored, so the bus never sees them; they count as sent messages.
    m.chatrooms().onMessage(metering::chatroomMessage);
    return new Core(bus, services);
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
      Limits limits,
      LifecycleLimits lifecycleLimits,
      InstantSource clock,
      LocalBus bus,
      Sessions sessions,
      Audit audit) {
    GroupAdmin groups =
        new GroupAdmin(
            stores.groups(),
            stores.directory(),
            sessions,
            clock,
            limits,
            LimitWiring.groups(settings),
            audit);
    Directory directory =
        new Directory(
            stores.directory(),
            groups,
            sessions,
            clock,
            settings.integer(Setting.LIMITS_MAX_PROFILE_BYTES));
    Contacts contacts =
        new Contacts(stores.contacts(), directory, sessions, clock, LimitWiring.contacts(settings));
    MessageLifecycleStore lifecycleStore = stores.lifecycle();
    Messenger messenger =
        new Messenger(
            stores.messages(),
            directory,
            bus,
            clock,
            limits,
            lifecycleStore,
            lifecycleLimits,
            contacts,
            audit);
    MessageLifecycle lifecycle =
        new MessageLifecycle(messenger, directory, lifecycleStore, bus, clock);
    Chatrooms chatrooms =
        new Chatrooms(
            stores.chatrooms(), directory, messenger, clock, LimitWiring.chatrooms(settings));
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
