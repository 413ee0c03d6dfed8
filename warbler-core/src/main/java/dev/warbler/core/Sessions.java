package dev.warbler.core;

import dev.warbler.protocol.CloseCode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The connections open on this node, by app and user, and the bus subscriber that hands each
 * delivery to them. Thread-safe.
 */
public final class Sessions {
  private final ConcurrentHashMap<String, Set<Connection>> byUser = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();

  public Sessions(Bus bus) {
    bus.subscribe(this::deliver);
  }

  public void add(Connection c) {
    if (byUser.computeIfAbsent(key(c.app(), c.user()), k -> ConcurrentHashMap.newKeySet()).add(c)) {
      count.incrementAndGet();
    }
  }

  public void remove(Connection c) {
    byUser.computeIfPresent(
        key(c.app(), c.user()),
        (k, set) -> {
          if (set.remove(c)) {
            count.decrementAndGet();
          }
          return set.isEmpty() ? null : set;
        });
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
