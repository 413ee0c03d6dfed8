package dev.warbler.core.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.directory.UserProfile;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.spi.Push;
import dev.warbler.protocol.CloseCode;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Presence with in-memory connections and last-seen store. */
class PresenceTest {
  private final LocalCluster cluster = new LocalCluster();
  private final Bus bus = cluster.bus();
  private final Sessions sessions = new Sessions(bus);
  private final MemoryProfiles store = new MemoryProfiles();
  private final Presence presence =
      new Presence(
          sessions,
          bus,
          new Publisher(bus),
          cluster.presence(),
          store,
          InstantSource.system(),
          StateLimits.DEFAULTS);

  /** Only last-seen times are used by presence. */
  static final class MemoryProfiles implements ProfileStore {
    final Map<String, Long> seen = new ConcurrentHashMap<>();

    @Override
    public Optional<UserProfile> profile(String app, String user) {
      return Optional.empty();
    }

    @Override
    public Optional<UserProfile> updateProfile(
        String app, String user, UnaryOperator<UserProfile> change) {
      return Optional.empty();
    }

    @Override
    public List<UserProfile> profiles(String app, String afterUser, int limit) {
      return List.of();
    }

    @Override
    public Map<String, Long> lastSeen(String app, Collection<String> users) {
      Map<String, Long> found = new HashMap<>();
      users.forEach(
          u -> Optional.ofNullable(seen.get(app + "/" + u)).ifPresent(t -> found.put(u, t)));
      return found;
    }

    @Override
    public CompletableFuture<Boolean> recordLastSeen(String app, String user, long millis) {
      seen.put(app + "/" + user, millis);
      return CompletableFuture.completedFuture(true);
    }
  }

  /** Records pushed events; equal only to itself. */
  static final class Conn implements Connection {
    final String app;
    final String user;
    final List<StateEvent> events = new CopyOnWriteArrayList<>();

    Conn(String app, String user) {
      this.app = app;
      this.user = user;
    }

    @Override
    public String app() {
      return app;
    }

    @Override
    public String user() {
      return user;
    }

    @Override
    public void push(Push push) {
      switch (push) {
        case Push.State s -> events.add(s.event());
        case Push.Message m -> {}
        case Push.Room r -> {}
        case Push.Contact c -> {}
      }
    }

    @Override
    public void close(CloseCode code, String reason) {}

    List<Boolean> onlineChanges(String of) {
      return events.stream()
          .map(e -> (StateEvent.PresenceChange) e)
          .filter(e -> e.user().equals(of))
          .map(StateEvent.PresenceChange::online)
          .toList();
    }
  }

  @Test
  void manyDevicesComingAndGoingAtOnceEndWithTheFinalStateAnnounced() throws Exception {
    Conn watcher = new Conn("shop", "w");
    sessions.add(watcher);
    presence.subscribe(watcher, List.of("a"));
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tasks.add(
            pool.submit(() -> {
              start.await();
              for (int i = 0; i < 200; i++) {
                Conn device = new Conn("shop", "a");
                sessions.add(device);
                sessions.remove(device);
              }
              return null;
            }));
      }
      start.countDown();
      for (Future<?> f : tasks) {
        f.get(30, TimeUnit.SECONDS);
      }
    }

    List<Boolean> changes = watcher.onlineChanges("a");
    assertThat(changes).isNotEmpty().last().isEqualTo(false);
    // Announcements alternate: never online twice or offline twice in a row.
    for (int i = 1; i < changes.size(); i++) {
      assertThat(changes.get(i)).isNotEqualTo(changes.get(i - 1));
    }
    assertThat(store.seen).containsKey("shop/a");
    assertThat(presence.presence("shop", List.of("a")).getFirst().online()).isFalse();
  }

  @Test
  void onlyWatchersOfTheSameAppHearAndAReplacedOrClosedSubscriptionStopsHearing() {
    Conn watcher = new Conn("shop", "w");
    Conn otherApp = new Conn("school", "w");
    sessions.add(watcher);
    sessions.add(otherApp);
    presence.subscribe(watcher, List.of("a", "b"));
    presence.subscribe(otherApp, List.of("a"));
    presence.subscribe(watcher, List.of("b"));

    Conn a = new Conn("shop", "a");
    Conn b = new Conn("shop", "b");
    sessions.add(a);
    sessions.add(b);
    sessions.remove(watcher);
    sessions.remove(b);

    assertThat(watcher.onlineChanges("a")).isEmpty();
    assertThat(watcher.onlineChanges("b")).containsExactly(true);
    assertThat(otherApp.events).isEmpty();
    assertThat(presence.watchers("shop", "b")).isZero();
    assertThat(presence.watchers("school", "a")).isEqualTo(1);
  }

  /** The local registry, but its repair says what a cluster registry would have found. */
  static final class ScriptedRepair implements PresenceRegistry {
    final PresenceRegistry inner;
    volatile PresenceRegistry.Repair next = PresenceRegistry.Repair.NOTHING;
    volatile boolean unreachable;
    final List<String> added = new CopyOnWriteArrayList<>();

    ScriptedRepair(PresenceRegistry inner) {
      this.inner = inner;
    }

    @Override
    public Transition add(String app, String user, String node) {
      if (unreachable) {
        throw new IllegalStateException("registry unreachable");
      }
      added.add(user);
      return inner.add(app, user, node);
    }

    @Override
    public Transition remove(String app, String user, String node) {
      return inner.remove(app, user, node);
    }

    @Override
    public boolean online(String app, String user) {
      return inner.online(app, user);
    }

    @Override
    public Repair repair() {
      Repair r = next;
      next = Repair.NOTHING;
      return r;
    }
  }

  @Test
  void usersOfADeadNodeAreAnnouncedOfflineWithTheirLastSeenTime() {
    ScriptedRepair registry = new ScriptedRepair(cluster.presence());
    Presence repaired =
        new Presence(
            sessions,
            bus,
            new Publisher(bus),
            registry,
            store,
            InstantSource.fixed(java.time.Instant.ofEpochMilli(1_000_000)),
            StateLimits.DEFAULTS);
    Conn watcher = new Conn("shop", "w");
    sessions.add(watcher);
    repaired.subscribe(watcher, List.of("gone"));
    registry.next =
        new PresenceRegistry.Repair(
            List.of(
                new PresenceRegistry.Departed(
                    "shop", "gone", new PresenceRegistry.Transition(true, false, 77))),
            false);

    repaired.repair();

    assertThat(watcher.onlineChanges("gone")).containsExactly(false);
    assertThat(store.seen).containsEntry("shop/gone", 1_000_000L);
    assertThat(repaired.presence("shop", List.of("gone")))
        .singleElement()
        .satisfies(p -> assertThat(p.lastSeen()).isEqualTo(1_000_000L));
  }

  @Test
  void aNodeTakenForDeadAddsItsOnlineUsersAgain() {
    ScriptedRepair registry = new ScriptedRepair(cluster.presence());
    Presence repaired =
        new Presence(
            sessions,
            bus,
            new Publisher(bus),
            registry,
            store,
            InstantSource.system(),
            StateLimits.DEFAULTS);
    sessions.add(new Conn("shop", "amy"));
    sessions.add(new Conn("school", "bob"));
    // As a cluster registry's sweep would have: the node's entries are gone.
    cluster.presence().remove("shop", "amy", bus.node());
    cluster.presence().remove("school", "bob", bus.node());
    registry.added.clear();
    registry.next = new PresenceRegistry.Repair(List.of(), true);

    repaired.repair();

    assertThat(registry.added).containsExactlyInAnyOrder("amy", "bob");
    assertThat(cluster.presence().online("shop", "amy")).isTrue();
    assertThat(cluster.presence().online("school", "bob")).isTrue();
  }

  @Test
  void aRegistryOutOfReachFailsNoConnectionAndTheChangeIsReportedOnceItIsBack() {
    ScriptedRepair registry = new ScriptedRepair(cluster.presence());
    Presence repaired =
        new Presence(
            sessions,
            new LocalCluster().bus(),
            new Publisher(bus),
            registry,
            store,
            InstantSource.system(),
            StateLimits.DEFAULTS);
    Conn watcher = new Conn("shop", "w");
    sessions.add(watcher);
    repaired.subscribe(watcher, List.of("amy"));
    registry.unreachable = true;

    sessions.add(new Conn("shop", "amy")); // does not throw: the connection stands
    assertThat(sessions.online("shop", "amy")).isTrue();
    assertThat(registry.added).doesNotContain("amy");

    registry.unreachable = false;
    repaired.repair();
    assertThat(registry.added).contains("amy");
    assertThat(cluster.presence().online("shop", "amy")).isTrue();
  }
}
