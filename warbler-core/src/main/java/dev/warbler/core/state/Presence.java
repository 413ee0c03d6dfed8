package dev.warbler.core.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.spi.Push;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is online, and the subscriptions that tell connections when watched users come and go.
 *
 * <p>A user is online while it has at least one connection on some node of the cluster (the {@link
 * PresenceRegistry} says which nodes hold it). The node whose report makes the cluster-wide state
 * change publishes the transition ({@link Event.PresenceChanged}); when the last connection closes,
 * that node also persists the last-seen time (now). Every node, that one included, pushes the
 * transitions it hears to its own watchers, keeping per user only transitions newer than the last
 * it pushed (they carry a version). A connection watches the users it subscribed to ({@link
 * #subscribe}, which replaces the previous set, at most {@link StateLimits#presenceSubscriptions});
 * each transition of a watched user is pushed only to the connections watching it, found through a
 * reverse index (user to watching connections), so a transition costs one push per watcher and
 * nothing per group member. A connection's subscriptions end when it closes.
 *
 * <p>Thread-safe. The {@link Sessions.Listener} callbacks run on event loops and never block;
 * {@link #subscribe} and {@link #presence} may block on the store (call them from virtual threads).
 */
public final class Presence implements Sessions.Listener {
  private static final Logger log = LoggerFactory.getLogger(Presence.class);

  /** Lock stripes for transitions; a bound on contention, not on correctness. */
  private static final int STRIPES = 64;

  /** Last-seen times recorded by this process; a bound on memory, the store has them all. */
  private static final int LAST_SEEN_CACHE = 100_000;

  private record Key(String app, String user) {}

  /** The users one connection watches; guarded by itself. */
  private static final class Watch {
    Set<Key> keys = Set.of();
    boolean closed;
  }

  private final Sessions sessions;
  private final ProfileStore store;
  private final InstantSource clock;
  private final StateLimits limits;
  private final ConcurrentHashMap<Connection, Watch> watches = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Set<Connection>> watchers = new ConcurrentHashMap<>();

  /**
   * Users deleted while this process ran: their ids are retired (never used again), so what their
   * closing connections announce afterwards is not remembered as a last-seen time, on any node.
   */
  private final Cache<Key, Boolean> deleted =
      Caffeine.newBuilder().maximumSize(LAST_SEEN_CACHE).build();

  private final Cache<Key, Long> versions =
      Caffeine.newBuilder().maximumSize(LAST_SEEN_CACHE).build();
  private final Bus bus;
  private final Publisher publisher;
  private final PresenceRegistry registry;
  private final Cache<Key, Long> lastSeen =
      Caffeine.newBuilder().maximumSize(LAST_SEEN_CACHE).build();
  private final Object[] stripes = new Object[STRIPES];
  // Users whose last change the registry did not take (unreachable): repair reports them again.
  private final Set<Key> unreported = ConcurrentHashMap.newKeySet();
  private final Object[] pushing = new Object[STRIPES];

  public Presence(
      Sessions sessions,
      Bus bus,
      Publisher publisher,
      PresenceRegistry registry,
      ProfileStore store,
      InstantSource clock,
      StateLimits limits) {
    this.sessions = sessions;
    this.bus = bus;
    this.publisher = publisher;
    this.registry = registry;
    this.store = store;
    this.clock = clock;
    this.limits = limits;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
      pushing[i] = new Object();
    }
    sessions.addListener(this);
    bus.subscribe(Topic.nodes(), this::heard);
  }

  /** A transition announced by any node, this one included. */
  private void heard(Event event) {
    switch (event) {
      case Event.PresenceChanged p -> pushTransition(p);
      case Event.UserDeleted d -> forget(d.app(), d.user());
      default -> {}
    }
  }

  private void pushTransition(Event.PresenceChanged p) {
    StateEvent.PresenceChange change = p.change();
    Key k = new Key(change.app(), change.user());
    synchronized (pushing[Math.floorMod(k.hashCode(), STRIPES)]) {
      Long last = versions.getIfPresent(k);
      if (last != null && last >= p.version()) {
        return; // an older transition, heard after a newer one
      }
      versions.put(k, p.version());
      if (!change.online() && deleted.getIfPresent(k) == null) {
        lastSeen.put(k, change.lastSeen());
      }
      Set<Connection> watching = watchers.get(k);
      if (watching != null) {
        Push push = new Push.State(change);
        for (Connection c : watching) {
          c.push(push);
        }
      }
    }
  }

  @Override
  public void added(Connection c, boolean first) {
    watches.put(c, new Watch());
    if (first) {
      refresh(c.app(), c.user());
    }
  }

  @Override
  public void removed(Connection c, boolean last) {
    Watch w = watches.remove(c);
    if (w != null) {
      synchronized (w) {
        w.closed = true;
        unindex(c, w.keys);
        w.keys = Set.of();
      }
    }
    if (last) {
      refresh(c.app(), c.user());
    }
  }

  /**
   * Replaces what {@code c} watches with {@code users} (of its own app; unknown users are allowed
   * and show offline; an empty list stops watching) and returns their presence now, in the order
   * given, without duplicates. INVALID_ARGUMENT for a malformed id, LIMIT_EXCEEDED for more than
   * {@link StateLimits#presenceSubscriptions} users. A connection that is no longer open gets the
   * answer but watches nothing.
   */
  public List<PresenceState> subscribe(Connection c, Collection<String> users) {
    Set<Key> keys = keys(c.app(), users);
    Watch w = watches.get(c);
    if (w != null) {
      synchronized (w) {
        if (!w.closed) {
          Set<Key> dropped = new HashSet<>(w.keys);
          dropped.removeAll(keys);
          unindex(c, dropped);
          for (Key k : keys) {
            watchers.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(c);
          }
          w.keys = Set.copyOf(keys);
        }
      }
    }
    // Read after registering: a transition from now on is pushed as well, and the larger
    // last_seen tells the client which of answer and event is newer.
    return states(c.app(), keys);
  }

  /** The presence of {@code users} of {@code app} now (for an app backend); limits as above. */
  public List<PresenceState> presence(String app, Collection<String> users) {
    return states(app, keys(app, users));
  }

  /**
   * Forgets when a deleted user was last seen; its last connections may still be closing, and what
   * they record is dropped once the store finds no such user.
   */
  private void forget(String app, String user) {
    Key k = new Key(app, user);
    deleted.put(k, true);
    lastSeen.invalidate(k);
  }

  /** Connections on this node watching {@code user} of {@code app}; for tests and metrics. */
  public int watchers(String app, String user) {
    Set<Connection> set = watchers.get(new Key(app, user));
    return set == null ? 0 : set.size();
  }

  /** Users watched by at least one connection on this node; for metrics. */
  public int watchedUsers() {
    return watchers.size();
  }

  private Set<Key> keys(String app, Collection<String> users) {
    Set<Key> keys = new LinkedHashSet<>();
    for (String u : users) {
      keys.add(new Key(app, Ids.require("user", u)));
    }
    if (keys.size() > limits.presenceSubscriptions()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "at most "
              + limits.presenceSubscriptions()
              + " users per presence request (limits.presence-subscriptions) but got "
              + keys.size());
    }
    return keys;
  }

  private void unindex(Connection c, Collection<Key> keys) {
    for (Key k : keys) {
      watchers.computeIfPresent(
          k,
          (x, set) -> {
            set.remove(c);
            return set.isEmpty() ? null : set;
          });
    }
  }

  private List<PresenceState> states(String app, Set<Key> keys) {
    long now = clock.millis();
    // One registry read per user (over the network with NATS), and one answer for both passes.
    Set<Key> online = new HashSet<>();
    List<String> offline = new ArrayList<>();
    for (Key k : keys) {
      if (registry.online(app, k.user())) {
        online.add(k);
      } else if (lastSeen.getIfPresent(k) == null) {
        offline.add(k.user());
      }
    }
    Map<String, Long> stored = offline.isEmpty() ? Map.of() : store.lastSeen(app, offline);
    List<PresenceState> states = new ArrayList<>(keys.size());
    for (Key k : keys) {
      if (online.contains(k)) {
        states.add(new PresenceState(k.user(), true, now));
      } else {
        Long seen = lastSeen.getIfPresent(k);
        states.add(
            new PresenceState(
                k.user(), false, seen != null ? seen : stored.getOrDefault(k.user(), 0L)));
      }
    }
    return states;
  }

  /**
   * Reports whether the user has a connection on this node to the registry and, if that changed the
   * user's state in the cluster, records it and publishes the transition. Every change of "online"
   * on this node is followed by a refresh, and refreshes of one user run one at a time, so the last
   * one always reports the final state.
   */
  private void refresh(String app, String user) {
    Key k = new Key(app, user);
    // Published under the lock, so this node announces its transitions in the order they happened;
    // subscribers take another lock (pushing), never this one, so nodes in one process cannot
    // wait on each other.
    synchronized (stripes[Math.floorMod(k.hashCode(), STRIPES)]) {
      boolean here = sessions.online(app, user);
      PresenceRegistry.Transition t;
      try {
        t = here ? registry.add(app, user, bus.node()) : registry.remove(app, user, bus.node());
      } catch (RuntimeException e) {
        // The registry is out of reach (a broker outage, a cut between regions): connections
        // must not fail for it. The next repair reports the user's state again.
        if (unreported.add(k) && unreported.size() == 1) {
          log.warn("presence registry unreachable; reporting again later: {}", e.toString());
        }
        return;
      }
      unreported.remove(k);
      if (!t.changed()) {
        return;
      }
      announce(k, t);
    }
  }

  /**
   * Mends the registry after failures ({@link PresenceRegistry#repair}): announces users whose last
   * node died without a word, and adds this node's users again when the cluster took this node for
   * dead. Called every few seconds by the node's scheduled jobs.
   */
  public void repair() {
    for (Key k : List.copyOf(unreported)) {
      refresh(k.app(), k.user());
    }
    PresenceRegistry.Repair r = registry.repair();
    for (PresenceRegistry.Departed d : r.offline()) {
      Key k = new Key(d.app(), d.user());
      synchronized (stripes[Math.floorMod(k.hashCode(), STRIPES)]) {
        announce(k, d.transition());
      }
    }
    if (r.reassert()) {
      log.warn("the cluster took this node for dead; registering its online users again");
      sessions.forEachUser(this::refresh);
    }
  }

  /**
   * Records and publishes a transition of {@code k}: an offline one remembers when the user was
   * last seen. Called under the user's stripe, so one node announces a user's transitions in order.
   */
  private void announce(Key k, PresenceRegistry.Transition t) {
    String app = k.app();
    String user = k.user();
    long now = clock.millis();
    if (!t.online() && deleted.getIfPresent(k) == null) {
      lastSeen.put(k, now);
      store
          .recordLastSeen(app, user, now)
          .whenComplete((exists, e) -> {
            if (e != null) {
              log.info("could not record when {}/{} was last seen: {}", app, user, e.toString());
            } else if (!exists) {
              // A deleted user going offline as its connections close: nothing to remember.
              lastSeen.invalidate(k);
            }
          });
    }
    publisher.publish(
        new Event.PresenceChanged(
            new StateEvent.PresenceChange(app, user, t.online(), now), t.version()));
  }
}
