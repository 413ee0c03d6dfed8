package dev.warbler.core;

import dev.warbler.protocol.CloseCode;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The connections open on this node, by app and user, and the bus subscriber that hands each
 * delivery to them. Thread-safe.
 */
public final class Sessions {
  private final ConcurrentHashMap<String, Set<Connection>> byUser = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
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

  public void add(Connection c) {
    AtomicBoolean added = new AtomicBoolean();
    AtomicBoolean first = new AtomicBoolean();
    byUser.compute(
        key(c.app(), c.user()),
        (k, set) -> {
          Set<Connection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
          first.set(s.isEmpty());
          added.set(s.add(c));
          return s;
        });
    if (added.get()) {
      count.incrementAndGet();
      listeners.forEach(l -> l.added(c, first.get()));
    }
  }

  public void remove(Connection c) {
    AtomicBoolean removed = new AtomicBoolean();
    AtomicBoolean last = new AtomicBoolean();
    byUser.computeIfPresent(
        key(c.app(), c.user()),
        (k, set) -> {
          removed.set(set.remove(c));
          last.set(set.isEmpty());
          return set.isEmpty() ? null : set;
        });
    if (removed.get()) {
      count.decrementAndGet();
      listeners.forEach(l -> l.removed(c, last.get()));
    }
  }

  /**
   * Pushes an ephemeral event to every connection on this node of each of {@code users} (of the
   * event's app). Never blocks; a slow connection closes itself.
   */
  public void push(Collection<String> users, StateEvent event) {
    for (String user : users) {
      Set<Connection> set = byUser.get(key(event.app(), user));
      if (set != null) {
        for (Connection c : set) {
          c.push(event);
        }
      }
    }
  }

  /** Open connections on this node. */
  public int count() {
    return count.get();
  }

  public boolean online(String app, String user) {
    return byUser.containsKey(key(app, user));
  }

  /** Calls {@code action} for each open connection of a user on this node. */
  public void forEachConnection(String app, String user, Consumer<Connection> action) {
    Set<Connection> set = byUser.get(key(app, user));
    if (set != null) {
      set.forEach(action);
    }
  }

  /** Closes every connection of a user, e.g. when it is deleted. */
  public void closeUser(String app, String user, CloseCode code, String reason) {
    Set<Connection> set = byUser.get(key(app, user));
    if (set != null) {
      List.copyOf(set).forEach(c -> c.close(code, reason));
    }
  }

  /** Closes every connection, e.g. on shutdown. */
  public void closeAll(CloseCode code, String reason) {
    byUser.values().forEach(set -> List.copyOf(set).forEach(c -> c.close(code, reason)));
  }

  private void deliver(Delivery delivery) {
    ChatMessage m = delivery.message();
    for (String user : delivery.recipients()) {
      Set<Connection> set = byUser.get(key(m.app(), user));
      if (set != null) {
        for (Connection c : set) {
          c.push(m);
        }
      }
    }
  }

  private static String key(String app, String user) {
    return app + '\u0000' + user;
  }
}
