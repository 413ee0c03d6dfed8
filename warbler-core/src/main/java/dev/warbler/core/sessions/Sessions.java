package dev.warbler.core.sessions;

import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Push;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.CloseCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The connections open on this node, by app and user, and the bus subscriptions that bring them
 * what they should receive. Thread-safe.
 *
 * <h2>Interest</h2>
 *
 * A user with a connection here is subscribed to its {@linkplain Topic#user user topic} (direct
 * messages, receipts, typing, contact events); a group with a member online here to its {@linkplain
 * Topic#group group topic} (its messages and signals), so a node receives only what its connections
 * need. Every node also hears {@link Topic#nodes()}: group changes (which move users in and out of
 * the index), user deletions and {@link Event.CloseSessions} commands, whichever node made them,
 * this one included.
 *
 * <h2>Group fan-out</h2>
 *
 * A group message is delivered through a per-group index of the users online on this node, so its
 * cost grows with the group's online members, never with all of its members. The index is built
 * from the user's groups, loaded once when its first connection {@linkplain #arriving arrives}, and
 * kept current by {@link Event.GroupChanged} events: the joined members are indexed before the
 * change's event message is pushed, the removed ones dropped after it. A membership change that
 * races with an arrival is recorded and replayed over the loaded groups, so an arriving user never
 * misses a join.
 *
 * <p>Direct and system messages go to the recipients a {@link Delivery} names, each through its
 * user topic. So does a delivery that names recipients in a group conversation (a delete-for-me
 * tombstone for its user): only a group delivery that names nobody fans out by the index.
 */
public final class Sessions {
  private final Bus bus;
  private final ConcurrentHashMap<String, Online> byUser = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, GroupOnline> byGroup = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong pushes = new AtomicLong();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /**
   * Told about every connection added or removed, after the change, on the thread that made it (a
   * transport's event loop): implementations must not block. With several connections of one user
   * changing at once, notifications may arrive in another order than the changes: a listener that
   * cares about "online" asks {@link #online} again instead of trusting the flags alone.
   */
  public interface Listener {
    /** {@code first}: the user had no other connection on this node before. */
    default void added(Connection c, boolean first) {}

    /** {@code last}: the user has no connection left on this node. */
    default void removed(Connection c, boolean last) {}
  }

  public Sessions(Bus bus) {
    this.bus = bus;
    bus.subscribe(Topic.nodes(), this::onNodes);
  }

  /** Registers a listener (for presence and metering); wired once at startup. */
  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  /** A user on this node: its connections and, while it has any, the groups it is a member of. */
  private static final class Online {
    final String app;
    final String user;
    final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    // Guarded by the byUser bin of this user (all changes run in byUser.compute).
    final Set<String> groups = new HashSet<>();
    int arriving;
    // The user was deleted while connections were arriving: add refuses them (until none is).
    boolean deleted;
    final List<Delta> deltas = new ArrayList<>();
    Bus.@Nullable Subscription subscription;

    Online(String app, String user) {
      this.app = app;
      this.user = user;
    }
  }

  /** The members of one group online on this node, and the node's subscription to the group. */
  private static final class GroupOnline {
    final Set<Online> members = ConcurrentHashMap.newKeySet();
    Bus.@Nullable Subscription subscription;
  }

  private record Delta(String group, boolean joined) {}

  /**
   * A connection on its way in: membership changes of its user are recorded from now on, so that
   * {@link #add(Connection, Arrival, Set)} can replay those its group snapshot missed. Complete it
   * with {@code add} or {@link #cancel}, exactly once.
   */
  public static final class Arrival {
    private final String app;
    private final String user;
    private final int from;

    private Arrival(String app, String user, int from) {
      this.app = app;
      this.user = user;
      this.from = from;
    }
  }

  /**
   * Starts an arrival of {@code user}; call it before loading the user's groups for {@link
   * #add(Connection, Arrival, Set)}.
   */
  public Arrival arriving(String app, String user) {
    int[] from = new int[1];
    byUser.compute(
        key(app, user),
        (k, o) -> {
          Online online = o == null ? new Online(app, user) : o;
          online.arriving++;
          from[0] = online.deltas.size();
          return online;
        });
    return new Arrival(app, user, from[0]);
  }

  /** Gives up an arrival that will not be added (authentication failed, connection gone). */
  public void cancel(Arrival arrival) {
    byUser.computeIfPresent(
        key(arrival.app, arrival.user),
        (k, o) -> {
          finishArrival(o);
          return o.connections.isEmpty() && o.arriving == 0 ? null : o;
        });
  }

  /**
   * Registers an authenticated connection. {@code groups} are the user's groups as loaded after
   * {@code arrival} started; changes recorded since then are replayed over them. False, and nothing
   * registered, when the user was deleted since the arrival started ({@link #closeDeletedUser}):
   * the caller closes the connection.
   */
  public boolean add(Connection c, Arrival arrival, Set<String> groups) {
    AtomicBoolean added = new AtomicBoolean();
    AtomicBoolean first = new AtomicBoolean();
    AtomicBoolean refused = new AtomicBoolean();
    byUser.compute(
        key(c.app(), c.user()),
        (k, o) -> {
          if (o != null && o.deleted) {
            refused.set(true);
            finishArrival(o);
            return o.connections.isEmpty() && o.arriving == 0 ? null : o;
          }
          Online online = o == null ? new Online(c.app(), c.user()) : o;
          if (online.connections.isEmpty()) {
            online.groups.clear();
            online.groups.addAll(groups);
            for (int i = arrival.from; i < online.deltas.size(); i++) {
              Delta d = online.deltas.get(i);
              if (d.joined()) {
                online.groups.add(d.group());
              } else {
                online.groups.remove(d.group());
              }
            }
            online.groups.forEach(g -> index(online, g));
          }
          if (o != null) {
            finishArrival(online);
          }
          first.set(online.connections.isEmpty());
          added.set(online.connections.add(c));
          if (online.subscription == null) {
            online.subscription =
                bus.subscribe(Topic.user(online.app, online.user), e -> onUser(online, e));
          }
          return online;
        });
    if (added.get()) {
      count.incrementAndGet();
      listeners.forEach(l -> l.added(c, first.get()));
    }
    return !refused.get();
  }

  /**
   * Registers a connection that receives no group messages (for transports and tests that do not
   * track groups).
   */
  public void add(Connection c) {
    add(c, arriving(c.app(), c.user()), Set.of());
  }

  public void remove(Connection c) {
    AtomicBoolean removed = new AtomicBoolean();
    AtomicBoolean last = new AtomicBoolean();
    byUser.computeIfPresent(
        key(c.app(), c.user()),
        (k, o) -> {
          removed.set(o.connections.remove(c));
          last.set(o.connections.isEmpty());
          if (!o.connections.isEmpty()) {
            return o;
          }
          o.groups.forEach(g -> unindex(o, g));
          o.groups.clear();
          if (o.subscription != null) {
            o.subscription.cancel();
            o.subscription = null;
          }
          return o.arriving == 0 ? null : o;
        });
    if (removed.get()) {
      count.decrementAndGet();
      listeners.forEach(l -> l.removed(c, last.get()));
    }
  }

  private static void finishArrival(Online o) {
    o.arriving--;
    if (o.arriving == 0) {
      o.deltas.clear();
      o.deleted = false;
    }
  }

  /** {@code users} became members of {@code group}: their connections here receive its messages. */
  private void joined(String app, String group, Collection<String> users) {
    change(app, group, users, true);
  }

  /** {@code users} are no longer members of {@code group}: their connections stop hearing it. */
  private void left(String app, String group, Collection<String> users) {
    change(app, group, users, false);
  }

  private void change(String app, String group, Collection<String> users, boolean joined) {
    for (String user : users) {
      byUser.computeIfPresent(
          key(app, user),
          (k, o) -> {
            if (o.arriving > 0) {
              o.deltas.add(new Delta(group, joined));
            }
            if (!o.connections.isEmpty()) {
              if (joined && o.groups.add(group)) {
                index(o, group);
              } else if (!joined && o.groups.remove(group)) {
                unindex(o, group);
              }
            }
            return o;
          });
    }
  }

  private void index(Online o, String group) {
    byGroup.compute(
        key(o.app, group),
        (k, g) -> {
          GroupOnline online = g == null ? new GroupOnline() : g;
          online.members.add(o);
          if (online.subscription == null) {
            online.subscription = bus.subscribe(Topic.group(o.app, group), e -> onGroup(online, e));
          }
          return online;
        });
  }

  private void unindex(Online o, String group) {
    byGroup.computeIfPresent(
        key(o.app, group),
        (k, g) -> {
          g.members.remove(o);
          if (!g.members.isEmpty()) {
            return g;
          }
          if (g.subscription != null) {
            g.subscription.cancel();
          }
          return null;
        });
  }

  // ---- what the bus brings -------------------------------------------------------------------

  /** An event on the user topic of a user with connections here. */
  private void onUser(Online o, Event event) {
    switch (event) {
      case Delivery d -> push(o.connections, new Push.Message(d.message()));
      case Event.Signal s -> {
        Push push = new Push.State(s.event());
        for (Connection c : o.connections) {
          c.push(push);
        }
      }
      case Event.ContactSignal s -> {
        Push push = new Push.Contact(s.event());
        for (Connection c : o.connections) {
          c.push(push);
        }
      }
      default -> {}
    }
  }

  /** An event on the topic of a group with members online here. */
  private void onGroup(GroupOnline g, Event event) {
    switch (event) {
      case Delivery d -> {
        Push push = new Push.Message(d.message());
        for (Online o : g.members) {
          push(o.connections, push);
        }
      }
      case Event.Signal s -> {
        Push push = new Push.State(s.event());
        for (Online o : g.members) {
          if (!o.user.equals(s.except())) {
            for (Connection c : o.connections) {
              c.push(push);
            }
          }
        }
      }
      default -> {}
    }
  }

  /** An event every node hears. */
  private void onNodes(Event event) {
    switch (event) {
      case Event.GroupChanged g -> {
        List<String> joined = g.joined();
        if (!joined.isEmpty()) {
          joined(g.app(), g.group(), joined);
        }
        if (g.event().isPresent()) {
          GroupOnline online = byGroup.get(key(g.app(), g.group()));
          if (online != null) {
            onGroup(online, new Delivery(g.event().get(), List.of()));
          }
        }
        if (!g.outcome().removed().isEmpty()) {
          left(g.app(), g.group(), g.outcome().removed());
        }
      }
      case Event.UserDeleted d ->
          closeDeletedUser(d.app(), d.user(), CloseCode.USER_REMOVED, "user deleted");
      case Event.CloseSessions c -> {
        if (c.user().isEmpty()) {
          closeApp(c.app(), c.code(), c.reason());
        } else if (c.tokenId().isEmpty()) {
          closeUser(c.app(), c.user(), c.code(), c.reason());
        } else {
          closeToken(c.app(), c.user(), c.tokenId(), c.code(), c.reason());
        }
      }
      default -> {}
    }
  }

  /** Open connections on this node. */
  public int count() {
    return count.get();
  }

  /** Messages pushed to connections so far (one per connection per message). */
  public long pushes() {
    return pushes.get();
  }

  public boolean online(String app, String user) {
    Online o = byUser.get(key(app, user));
    return o != null && !o.connections.isEmpty();
  }

  /** Calls {@code action} with the app and id of each user holding a connection on this node. */
  public void forEachUser(BiConsumer<String, String> action) {
    for (Online o : byUser.values()) {
      if (!o.connections.isEmpty()) {
        action.accept(o.app, o.user);
      }
    }
  }

  /** Users of {@code group} with a connection on this node; for tests and diagnostics. */
  public int onlineMembers(String app, String group) {
    GroupOnline g = byGroup.get(key(app, group));
    return g == null ? 0 : g.members.size();
  }

  /** Calls {@code action} for each open connection of a user on this node. */
  public void forEachConnection(String app, String user, Consumer<Connection> action) {
    Online o = byUser.get(key(app, user));
    if (o != null) {
      o.connections.forEach(action);
    }
  }

  /** Closes every connection of a user, e.g. when it is deleted. */
  public void closeUser(String app, String user, CloseCode code, String reason) {
    Online o = byUser.get(key(app, user));
    if (o != null) {
      List.copyOf(o.connections).forEach(c -> c.close(code, reason));
    }
  }

  /**
   * Closes the connections of a user that was just deleted, and makes {@link #add} refuse the
   * connections of that user still arriving: they may have found the user before the delete (the
   * transport checks the user again after {@link #arriving}, so a connection that starts arriving
   * later is refused by that check).
   */
  public void closeDeletedUser(String app, String user, CloseCode code, String reason) {
    byUser.computeIfPresent(
        key(app, user),
        (k, o) -> {
          if (o.arriving > 0) {
            o.deleted = true;
          }
          return o;
        });
    closeUser(app, user, code, reason);
  }

  /** Closes the connections of a user that authenticated with the token {@code tokenId}. */
  public void closeToken(String app, String user, String tokenId, CloseCode code, String reason) {
    Online o = byUser.get(key(app, user));
    if (o != null && !tokenId.isEmpty()) {
      List.copyOf(o.connections).stream()
          .filter(c -> tokenId.equals(c.tokenId()))
          .forEach(c -> c.close(code, reason));
    }
  }

  /** Closes every connection of one app, e.g. when its secret was rotated after a leak. */
  public void closeApp(String app, CloseCode code, String reason) {
    byUser.values().stream()
        .flatMap(o -> List.copyOf(o.connections).stream())
        .filter(c -> c.app().equals(app))
        .forEach(c -> c.close(code, reason));
  }

  /** Closes every connection, e.g. on shutdown. */
  public void closeAll(CloseCode code, String reason) {
    byUser.values().forEach(o -> List.copyOf(o.connections).forEach(c -> c.close(code, reason)));
  }

  private void push(Set<Connection> connections, Push push) {
    for (Connection c : connections) {
      c.push(push);
      pushes.incrementAndGet();
    }
  }

  private static String key(String app, String id) {
    return app + '\u0000' + id;
  }
}
