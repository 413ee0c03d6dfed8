package dev.warbler.server;

import dev.warbler.core.Access;
import dev.warbler.core.Audit;
import dev.warbler.core.Chatrooms;
import dev.warbler.core.Contacts;
import dev.warbler.core.ConversationList;
import dev.warbler.core.Directory;
import dev.warbler.core.EncryptingConversationSettingsStore;
import dev.warbler.core.EncryptingLifecycleStore;
import dev.warbler.core.GroupAdmin;
import dev.warbler.core.LifecycleLimits;
import dev.warbler.core.Limits;
import dev.warbler.core.LocalBus;
import dev.warbler.core.MessageLifecycle;
import dev.warbler.core.Messenger;
import dev.warbler.core.Metering;
import dev.warbler.core.Presence;
import dev.warbler.core.Profiles;
import dev.warbler.core.Receipts;
import dev.warbler.core.Services;
import dev.warbler.core.Sessions;
import dev.warbler.core.StateLimits;
import dev.warbler.core.TokenService;
import dev.warbler.store.sqlite.SqliteAccessStore;
import dev.warbler.store.sqlite.SqliteChatroomStore;
import dev.warbler.store.sqlite.SqliteContactStore;
import dev.warbler.store.sqlite.SqliteConversationSettingsStore;
import dev.warbler.store.sqlite.SqliteGroupStore;
import dev.warbler.store.sqlite.SqliteLifecycleStore;
import dev.warbler.store.sqlite.SqliteProfileStore;
import dev.warbler.store.sqlite.SqliteReceiptStore;
import dev.warbler.store.sqlite.SqliteStore;
import dev.warbler.store.sqlite.SqliteUsageStore;
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
      StoreWiring.Stores stores,
      Limits limits,
      LifecycleLimits lifecycleLimits,
      InstantSource clock,
      MeterRegistry meters,
      AtomicLong auditHeadSeq) {
    SqliteStore store = stores.store();
    LocalBus bus = new LocalBus();
    Sessions sessions = new Sessions(bus);
    Messaging m = messaging(settings, stores, limits, lifecycleLimits, clock, bus, sessions);
    Directory directory = m.directory();
    TokenService tokens =
        new TokenService(
            directory::findApp,
            clock,
            new HashSet<>(settings.list(Setting.AUTH_TOKEN_ALGORITHMS)),
            Duration.ofSeconds(settings.integer(Setting.AUTH_CLOCK_SKEW_SECONDS)));
    StateLimits stateLimits = LimitWiring.state(settings);
    SqliteProfileStore profileStore = new SqliteProfileStore(store);
    Metering metering = new Metering(new SqliteUsageStore(store), sessions, bus, clock);
    Access access = new Access(new SqliteAccessStore(store), sessions, clock);
    Audit audit = AuditWiring.open(settings, data, store, clock, meters, auditHeadSeq);
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
                new SqliteReceiptStore(store),
                directory,
                sessions,
                stateLimits),
            new Presence(sessions, profileStore, clock, stateLimits),
            new Profiles(profileStore, stateLimits),
            metering,
            access,
            audit,
            stores.encryption());
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
      StoreWiring.Stores stores,
      Limits limits,
      LifecycleLimits lifecycleLimits,
      InstantSource clock,
      LocalBus bus,
      Sessions sessions) {
    SqliteStore store = stores.store();
    GroupAdmin groups =
        new GroupAdmin(
            new SqliteGroupStore(store),
            store,
            sessions,
            clock,
            limits,
            LimitWiring.groups(settings));
    Directory directory =
        new Directory(
            stores.directory(),
            groups,
            sessions,
            clock,
            settings.integer(Setting.LIMITS_MAX_PROFILE_BYTES));
    Contacts contacts =
        new Contacts(
            new SqliteContactStore(store),
            directory,
            sessions,
            clock,
            LimitWiring.contacts(settings));
    EncryptingLifecycleStore lifecycleStore =
        new EncryptingLifecycleStore(
            new SqliteLifecycleStore(store), stores.messages(), stores.encryption());
    Messenger messenger =
        new Messenger(
            stores.messages(),
            directory,
            bus,
            clock,
            limits,
            lifecycleStore,
            lifecycleLimits,
            contacts);
    MessageLifecycle lifecycle =
        new MessageLifecycle(messenger, directory, lifecycleStore, bus, clock);
    Chatrooms chatrooms =
        new Chatrooms(
            new SqliteChatroomStore(store),
            directory,
            messenger,
            clock,
            LimitWiring.chatrooms(settings));
    ConversationList conversations =
        new ConversationList(
            new EncryptingConversationSettingsStore(
                new SqliteConversationSettingsStore(store), stores.encryption()),
            stores.messages(),
            messenger,
            directory,
            limits,
            settings.integer(Setting.LIMITS_MAX_CONVERSATION_CUSTOM_BYTES));
    return new Messaging(
        groups, directory, contacts, messenger, lifecycle, chatrooms, conversations);
  }
}
