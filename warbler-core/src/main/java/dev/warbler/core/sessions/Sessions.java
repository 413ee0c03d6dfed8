package dev.warbler.core.sessions;

import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.Push;
import dev.warbler.core.state.StateEvent;
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
import java.util.function.Consumer;

/**
 * The connections open on this node, by app and user, and the bus subscriber that hands each
 * delivery to them. Thread-safe.
 *
 * <h2>Group fan-out</h2>
 *
 * A group message is delivered through a per-group index of the users online on this node, so its
 * cost grows with the group's online members, never with all of its members. The index is built
 * from the user's groups, loaded once when its first connection {@linkplain #arriving arrives}, and
 * kept current by {@link #joined} and {@link #left}, which the group code calls on the thread that
 * publishes deliveries, in order with them. A membership change that races with an arrival is
 * recorded and replayed over the loaded groups, so an arriving user never misses a join.
 *
 * <p>Direct and system messages go to the recipients a {@link Delivery} names. So does a delivery
 * that names recipients in a group conversation (a delete-for-me tombstone for its user): only a
 * group delivery that names nobody fans out by the index. Ephemeral events (receipts, typing) in a
 * group use the same index ({@link #pushToGroup}).
 */
public final class Sessions {
  private final ConcurrentHashMap<String, Online> byUser = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<Online>> byGroup = new ConcurrentHashMap<>();
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
    bus.subscribe(this::deliver);
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

    Online(String app, String user) {
      this.app = app;
      this.user = user;
    }
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

  /**
   * {@code users} became members of {@code group}: their connections on this node receive its
   * messages from now on. Call it on the delivery thread, before publishing the first message they
   * should receive.
   */
  public void joined(String app, String group, Collection<String> users) {
    change(app, group, users, true);
  }

  /**
   * {@code users} are no longer members of {@code group}: their connections stop receiving its
   * messages. Call it on the delivery thread, after publishing the last message they should
   * receive.
   */
  public void left(String app, String group, Collection<String> users) {
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
        (k, set) -> {
          Set<Online> s = set == null ? ConcurrentHashMap.newKeySet() : set;
          s.add(o);
          return s;
        });
  }

  private void unindex(Online o, String group) {
    byGroup.computeIfPresent(
        key(o.app, group),
        (k, set) -> {
          set.remove(o);
          return set.isEmpty() ? null : set;
        });
  }

  /**
   * Pushes an ephemeral event to every connection on this node of each of {@code users} (of the
   * event's app). Never blocks; a slow connection closes itself.
   */
  public void push(Collection<String> users, StateEvent event) {
    Push push = new Push.State(event);
    for (String user : users) {
      Online o = byUser.get(key(event.app(), user));
      if (o != null) {
        for (Connection c : o.connections) {
          c.push(push);
        }
      }
    }
  }

  /**
   * Pushes an ephemeral event to every connection on this node of the members of {@code group} (of
   * the event's app) found in the online index, so its cost grows with the group's online members,
   * never with all of them. Never blocks; a slow connection closes itself.
   */
  public void pushToGroup(String group, StateEvent event) {
    pushToGroup(group, event, "");
  }

  /**
   * Like {@link #pushToGroup(String, StateEvent)}, but skips the connections of {@code except} (the
   * user the event is about).
   */
  public void pushToGroupExcept(String group, String except, StateEvent event) {
    pushToGroup(group, event, except);
  }

  private void pushToGroup(String group, StateEvent event, String except) {
    Set<Online> online = byGroup.get(key(event.app(), group));
    if (online == null) {
      return;
    }
    Push push = new Push.State(event);
    for (Online o : online) {
      if (!o.user.equals(except)) {
        for (Connection c : o.connections) {
          c.push(push);
        }
      }
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

  /** Users of {@code group} with a connection on this node; for tests and diagnostics. */
  public int onlineMembers(String app, String group) {
    Set<Online> set = byGroup.get(key(app, group));
    return set == null ? 0 : set.size();
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

  private void deliver(Delivery delivery) {
    ChatMessage m = delivery.message();
    Push push = new Push.Message(m);
    if (m.conversation().kind() == ConversationId.Kind.GROUP && delivery.recipients().isEmpty()) {
      Set<Online> online = byGroup.get(key(m.app(), m.conversation().first()));
      if (online != null) {
        for (Online o : online) {
          push(o.connections, push);
        }
      }
      return;
    }
    for (String user : delivery.recipients()) {
      Online o = byUser.get(key(m.app(), user));
      if (o != null) {
        push(o.connections, push);
      }
    }
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
