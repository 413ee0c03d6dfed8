package dev.warbler.bus.nats;

import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's {@link Bus} over NATS: one connection per node, one subject per topic ({@link
 * Subjects}), events as CBOR ({@link EventCodec}).
 *
 * <ul>
 *   <li>{@link #subscribe} is a NATS subscription on the topic's subject, {@link #subscribeQueue}
 *       one in the NATS queue group named after the queue: NATS hands each message to one member of
 *       each group, on whichever connection.
 *   <li>All subscriptions of a node share one dispatcher thread, which calls subscribers one after
 *       the other in arrival order; NATS keeps the order of one connection's publishes, so events
 *       of one publisher thread on one topic arrive in order.
 *   <li>{@link #subscribe} returns after the server confirmed the interest (a flush), so what is
 *       published afterwards through the same server reaches it; {@link Subscription#cancel}
 *       likewise returns after the server dropped it, so a queue hands nothing more to a member
 *       that left. In a NATS cluster, interest spreads between servers asynchronously: across
 *       servers the guarantee holds once that settled.
 *   <li>NATS is at most once, like the port: a lost connection loses what was in flight, and a
 *       dispatcher that falls too far behind drops messages (the client's slow-consumer limit).
 * </ul>
 */
public final class NatsBus implements Bus {
  private static final Logger log = LoggerFactory.getLogger(NatsBus.class);

  private final String node;
  private final NatsConfig config;
  private final Connection connection;
  private final Dispatcher dispatcher;
  private final EventCodec codec = new EventCodec();
  private final Set<Sub> subs = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private NatsBus(String node, NatsConfig config, Connection connection) {
    this.node = node;
    this.config = config;
    this.connection = connection;
    this.dispatcher = connection.createDispatcher();
  }

  /**
   * Connects node {@code node} to NATS. IllegalStateException, naming the servers, when none
   * answers within the connect timeout.
   */
  public static NatsBus connect(String node, NatsConfig config) {
    if (node.isBlank()) {
      throw new IllegalArgumentException("a node needs an id");
    }
    return new NatsBus(node, config, open(config, config.connectionName() + "-" + node));
  }

  /** A connection with the configured servers, timeouts and reconnects. */
  static Connection open(NatsConfig config, String name) {
    Options options =
        Options.builder()
            .servers(config.servers().toArray(String[]::new))
            .connectionName(name)
            .connectionTimeout(config.connectTimeout())
            .maxReconnects(config.maxReconnects())
            .reconnectWait(config.reconnectWait())
            .build();
    try {
      return Nats.connect(options);
    } catch (IOException e) {
      throw new IllegalStateException(
          "NATS is not reachable at " + config.servers() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to NATS", e);
    }
  }

  @Override
  public String node() {
    return node;
  }

  @Override
  public void publish(Topic topic, Event event) {
    if (closed) {
      return;
    }
    String subject = Subjects.subject(config.subjectPrefix(), topic);
    try {
      connection.publish(subject, codec.encode(event));
    } catch (IllegalStateException e) {
      // Closing, or disconnected with the reconnect buffer full: the bus is at most once, and the
      // change is already in the store, so the event is dropped rather than failing the caller.
      if (!closed) {
        log.warn("dropped an event for {} on {}: {}", subject, node, e.getMessage());
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
    Sub sub = new Sub(topic, subscriber);
    if (closed) {
      return sub;
    }
    String subject = Subjects.subject(config.subjectPrefix(), topic);
    sub.nats =
        queue.isEmpty()
            ? dispatcher.subscribe(subject, sub::handle)
            : dispatcher.subscribe(subject, Subjects.token(queue), sub::handle);
    subs.add(sub);
    // The server has the interest once it answered a ping sent after the SUB.
    flush("the subscription to " + subject);
    return sub;
  }

  /** Waits until the server processed what this connection sent so far. */
  private void flush(String what) {
    try {
      connection.flush(config.connectTimeout());
    } catch (TimeoutException e) {
      log.warn("NATS did not confirm {} of {} in time", what, node);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    subs.clear();
    try {
      // Drain: unsubscribe, deliver nothing more (closed), send what was published, close.
      connection.drain(config.drainTimeout()).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.warn("draining the NATS connection of {} failed: {}", node, e.toString());
    } finally {
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "NatsBus[" + node + "]";
  }

  private final class Sub implements Subscription {
    final Topic topic;
    final Consumer<Event> subscriber;
    volatile io.nats.client.@org.jspecify.annotations.Nullable Subscription nats;
    volatile boolean cancelled;

    Sub(Topic topic, Consumer<Event> subscriber) {
      this.topic = topic;
      this.subscriber = subscriber;
    }

    void handle(Message message) {
      if (cancelled || closed) {
        return;
      }
      Event event;
      try {
        event = codec.decode(message.getData());
      } catch (IllegalArgumentException e) {
        log.warn("dropped a malformed message on {}: {}", message.getSubject(), e.getMessage());
        return;
      }
      try {
        subscriber.accept(event);
      } catch (RuntimeException e) {
        log.warn("subscriber of {} on {} failed for {}", topic, node, event, e);
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      subs.remove(this);
      io.nats.client.Subscription s = nats;
      if (s != null && !closed) {
        try {
          dispatcher.unsubscribe(s);
          // Once the server processed the UNSUB, a queue group no longer counts this member: the
          // events it would have been handed go to the others instead of being dropped here.
          flush("the end of a subscription to " + s.getSubject());
        } catch (IllegalStateException e) {
          // The connection is closing or the subscription already went: nothing to end.
        }
      }
    }
  }
}
