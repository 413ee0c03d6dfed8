package dev.warbler.core.cluster;

import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.core.spi.Topic;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster inside one process: one {@link Bus} per node ({@link #bus(String)}), all joined through
 * one in-memory table of subscriptions, and one {@link PresenceRegistry}. A single-node server
 * makes one with one node; the multi-node tests give several servers buses of one cluster.
 *
 * <p>Publishing hands the event to every subscriber of its topic on the publisher's thread, one
 * after the other, so events published by one thread arrive in publish order, and nothing is lost
 * or queued. The cost of a publish is one map lookup and a call per subscriber.
 */
public final class LocalCluster {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

  private final ConcurrentHashMap<Topic, Subscribers> topics = new ConcurrentHashMap<>();
  private final LocalPresence presence = new LocalPresence();
  private final AtomicInteger nodes = new AtomicInteger();

  /** A bus for a new node named {@code node-N}. */
  public Bus bus() {
    return bus("node-" + nodes.incrementAndGet());
  }

  /** A bus for a node of this cluster; node ids must be unique. */
  public Bus bus(String node) {
    return new NodeBus(node);
  }

  public PresenceRegistry presence() {
    return presence;
  }

  /** The subscribers of one topic: plain ones, and queues of which one member gets each event. */
  private static final class Subscribers {
    final CopyOnWriteArrayList<Sub> plain = new CopyOnWriteArrayList<>();
    final Map<String, CopyOnWriteArrayList<Sub>> queues = new ConcurrentHashMap<>();
    final AtomicLong turn = new AtomicLong();

    boolean isEmpty() {
      return plain.isEmpty() && queues.isEmpty();
    }
  }

  private final class Sub implements Bus.Subscription {
    final NodeBus owner;
    final Topic topic;
    final String queue; // "" for a plain subscription
    final Consumer<Event> subscriber;

    Sub(NodeBus owner, Topic topic, String queue, Consumer<Event> subscriber) {
      this.owner = owner;
      this.topic = topic;
      this.queue = queue;
      this.subscriber = subscriber;
    }

    @Override
    public void cancel() {
      owner.mine.remove(this);
      topics.computeIfPresent(
          topic,
          (t, s) -> {
            if (queue.isEmpty()) {
              s.plain.remove(this);
            } else {
              s.queues.computeIfPresent(
                  queue,
                  (q, members) -> {
                    members.remove(this);
                    return members.isEmpty() ? null : members;
                  });
            }
            return s.isEmpty() ? null : s;
          });
    }

    void deliver(Event event) {
      try {
        subscriber.accept(event);
      } catch (RuntimeException e) {
        log.warn("subscriber of {} on {} failed for {}", topic, owner.node, event, e);
      }
    }
  }

  private final class NodeBus implements Bus {
    final String node;
    final Set<Sub> mine = ConcurrentHashMap.newKeySet();
    volatile boolean closed;

    NodeBus(String node) {
      this.node = node;
    }

    @Override
    public String node() {
      return node;
    }

    @Override
    public void publish(Topic topic, Event event) {
      Subscribers s = topics.get(topic);
      if (closed || s == null) {
        return;
      }
      for (Sub sub : s.plain) {
        sub.deliver(event);
      }
      if (!s.queues.isEmpty()) {
        for (CopyOnWriteArrayList<Sub> members : s.queues.values()) {
          Object[] m = members.toArray();
          if (m.length > 0) {
            ((Sub) m[(int) Math.floorMod(s.turn.getAndIncrement(), (long) m.length)])
                .deliver(event);
          }
        }
      }
    }

    @Override
    public Subscription subscribe(Topic topic, Consumer<Event> subscriber) {
      return add(topic, "", subscriber);
    }

    @Override
    public Subscription subscribeQueue(Topic topic, String queue, Consumer<Event> subscriber) {
      if (queue.isEmpty()) {
        throw new IllegalArgumentException("a queue needs a name");
      }
      return add(topic, queue, subscriber);
    }

    private Subscription add(Topic topic, String queue, Consumer<Event> subscriber) {
      Sub sub = new Sub(this, topic, queue, subscriber);
      if (closed) {
        return sub;
      }
      mine.add(sub);
      topics.compute(
          topic,
          (t, s) -> {
            Subscribers subs = s == null ? new Subscribers() : s;
            if (queue.isEmpty()) {
              subs.plain.add(sub);
            } else {
              subs.queues.computeIfAbsent(queue, q -> new CopyOnWriteArrayList<>()).add(sub);
            }
            return subs;
          });
      return sub;
    }

    @Override
    public void close() {
      closed = true;
      for (Sub sub : Set.copyOf(mine)) {
        sub.cancel();
      }
    }

    @Override
    public String toString() {
      return "LocalBus[" + node + "]";
    }
  }

  /** Which nodes hold which users, in memory; versions come from one counter. */
  private static final class LocalPresence implements PresenceRegistry {
    private record Key(String app, String user) {}

    private final ConcurrentHashMap<Key, Set<String>> nodesOf = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();

    @Override
    public Transition add(String app, String user, String node) {
      Transition[] t = {Transition.NONE};
      nodesOf.compute(
          new Key(app, user),
          (k, nodes) -> {
            Set<String> n = nodes == null ? ConcurrentHashMap.newKeySet() : nodes;
            boolean first = n.isEmpty();
            n.add(node);
            if (first) {
              t[0] = new Transition(true, true, versions.incrementAndGet());
            }
            return n;
          });
      return t[0];
    }

    @Override
    public Transition remove(String app, String user, String node) {
      Transition[] t = {Transition.NONE};
      nodesOf.computeIfPresent(
          new Key(app, user),
          (k, nodes) -> {
            if (nodes.remove(node) && nodes.isEmpty()) {
              t[0] = new Transition(true, false, versions.incrementAndGet());
              return null;
            }
            return nodes.isEmpty() ? null : nodes;
          });
      return t[0];
    }

    @Override
    public boolean online(String app, String user) {
      Set<String> nodes = nodesOf.get(new Key(app, user));
      return nodes != null && !nodes.isEmpty();
    }
  }
}
