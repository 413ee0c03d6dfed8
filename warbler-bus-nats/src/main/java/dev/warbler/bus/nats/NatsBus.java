package dev.warbler.bus.nats;

import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 *   <li>A node's own events never make the round trip through NATS to itself: its connection is
 *       opened with {@code noEcho}, and {@link #publish} hands the event to this node's plain
 *       subscribers of the topic directly, on the publishing thread, as the in-process bus does. A
 *       direct message whose sender and recipient are on one node crosses no network, and the copy
 *       for the sender's own devices never comes back from NATS. Queue subscriptions live on a
 *       second connection that hears its node's events like any other, since the member NATS picks
 *       may be on this node.
 *   <li>Events from other nodes reach the plain subscriptions of a node on one dispatcher thread
 *       (queue subscriptions on a second one), which calls subscribers one after the other in
 *       arrival order; NATS keeps the order of one connection's publishes, so events of one
 *       publisher thread on one topic arrive in order. The node's own events reach its subscribers
 *       on the publishing thread, in publish order.
 *   <li>{@link #subscribe} returns after the server confirmed the interest (a flush), so what is
 *       published afterwards through the same server reaches it; {@link Subscription#cancel}
 *       likewise returns after the server dropped it, so a queue hands nothing more to a member
 *       that left. In a NATS cluster, interest spreads between servers asynchronously: across
 *       servers the guarantee holds once that settled.
 *   <li>NATS is at most once, like the port: a lost connection loses what was in flight, and a
 *       dispatcher that falls too far behind drops messages (the client's slow-consumer limit).
 *   <li>Observability rides in NATS message headers, never in the event's bytes: {@value
 *       #PUBLISHED_AT} (the publisher's wall clock in microseconds) on every message, from which
 *       the receiving node records {@code warbler.bus.lag}; and, when the publishing thread's
 *       current OpenTelemetry span is sampled, the W3C {@code traceparent} (and {@code tracestate})
 *       of a {@code bus.publish} span, under which the receiving node runs its subscribers in a
 *       {@code bus.deliver} span. Without a sampled span nothing is traced and no span is made.
 * </ul>
 */
public final class NatsBus implements Bus {
  private static final Logger log = LoggerFactory.getLogger(NatsBus.class);

  /** The header carrying the publisher's wall clock, in microseconds since the epoch. */
  static final String PUBLISHED_AT = "Warbler-Published-At";

  private static final TextMapSetter<Headers> HEADER_SETTER =
      (h, k, v) -> {
        if (h != null) {
          h.put(k, v);
        }
      };

  private static final TextMapGetter<Headers> HEADER_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
          return carrier.keySet();
        }

        @Override
        public @org.jspecify.annotations.Nullable String get(
            @org.jspecify.annotations.Nullable Headers carrier, String key) {
          return carrier == null ? null : carrier.getFirst(key);
        }
      };

  private final String node;
  private final NatsConfig config;
  private final Connection connection;
  private final Dispatcher dispatcher;
  private final EventCodec codec = new EventCodec();
  private final Set<Sub> subs = ConcurrentHashMap.newKeySet();

  /** This node's plain subscribers by subject: {@link #publish} delivers to them directly. */
  private final ConcurrentHashMap<String, CopyOnWriteArrayList<Sub>> local =
      new ConcurrentHashMap<>();

  /** The connection of queue subscriptions (echo on), opened with the first of them. */
  private @org.jspecify.annotations.Nullable Connection queueConnection;

  private @org.jspecify.annotations.Nullable Dispatcher queueDispatcher;
  private volatile boolean closed;

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final InstantSource clock = InstantSource.system();
  private final Timer lag;
  private final Counter publishFailures;

  private NatsBus(
      String node,
      NatsConfig config,
      Connection connection,
      OpenTelemetry telemetry,
      MeterRegistry meters) {
    this.node = node;
    this.config = config;
    this.connection = connection;
    this.dispatcher = connection.createDispatcher();
    this.tracer = telemetry.getTracer("dev.warbler.bus.nats");
    this.propagator = telemetry.getPropagators().getTextMapPropagator();
    this.lag =
        Timer.builder("warbler.bus.lag")
            .description(
                "Time from an event's publish on one node to its delivery here (wall clocks of"
                    + " two machines: as good as their synchronisation)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(meters);
    this.publishFailures =
        Counter.builder("warbler.bus.publish.failures")
            .description(
                "Events dropped because NATS could not take them (disconnected, buffer full);"
                    + " clients catch up from the store")
            .register(meters);
  }

  /**
   * Connects node {@code node} to NATS, without traces and with metrics nobody reads.
   * IllegalStateException, naming the servers, when none answers within the connect timeout.
   */
  public static NatsBus connect(String node, NatsConfig config) {
    return connect(node, config, OpenTelemetry.noop(), new SimpleMeterRegistry());
  }

  /**
   * Connects node {@code node} to NATS; spans go to {@code telemetry}, {@code warbler.bus.lag} and
   * {@code warbler.bus.publish.failures} to {@code meters}. IllegalStateException, naming the
   * servers, when none answers within the connect timeout.
   */
  public static NatsBus connect(
      String node, NatsConfig config, OpenTelemetry telemetry, MeterRegistry meters) {
    if (node.isBlank()) {
      throw new IllegalArgumentException("a node needs an id");
    }
    return new NatsBus(
        node, config, open(config, config.connectionName() + "-" + node, false), telemetry, meters);
  }

  /** A connection with the configured servers, timeouts and reconnects. */
  static Connection open(NatsConfig config, String name) {
    return open(config, name, true);
  }

  /**
   * A connection with the configured servers, timeouts and reconnects; without {@code echo} its
   * subscriptions never receive what it published itself.
   */
  private static Connection open(NatsConfig config, String name, boolean echo) {
    Options.Builder builder =
        Options.builder()
            .servers(config.servers().toArray(String[]::new))
            .connectionName(name)
            .connectionTimeout(config.connectTimeout())
            .maxReconnects(config.maxReconnects())
            .reconnectWait(config.reconnectWait());
    if (!echo) {
      builder.noEcho();
    }
    Options options = builder.build();
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
    CopyOnWriteArrayList<Sub> here = local.get(subject);
    if (here != null) {
      for (Sub sub : here) {
        sub.deliverLocal(event);
      }
    }
    Headers headers = new Headers();
    headers.put(PUBLISHED_AT, Long.toString(micros(clock.instant())));
    Context parent = Context.current();
    // Only a traced request (a sampled span on this thread, e.g. a send) makes a span here: events
    // nobody traces cost one thread-local read.
    Span span =
        Span.fromContext(parent).getSpanContext().isSampled()
            ? tracer
                .spanBuilder("bus.publish")
                .setParent(parent)
                .setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "nats")
                .setAttribute("messaging.destination.name", subject)
                .setAttribute("warbler.event", event.getClass().getSimpleName())
                .setAttribute("warbler.node", node)
                .startSpan()
            : null;
    if (span != null) {
      propagator.inject(parent.with(span), headers, HEADER_SETTER);
    }
    try {
      connection.publish(subject, headers, codec.encode(event));
    } catch (IllegalStateException e) {
      // Closing, or disconnected with the reconnect buffer full: the bus is at most once, and the
      // change is already in the store, so the event is dropped rather than failing the caller.
      if (!closed) {
        publishFailures.increment();
        if (span != null) {
          span.setStatus(StatusCode.ERROR, "dropped: " + e.getMessage());
        }
        log.warn("dropped an event for {} on {}: {}", subject, node, e.getMessage());
      }
    } finally {
      if (span != null) {
        span.end();
      }
    }
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  /** Records the lag of a message that says when it was published; others are not counted. */
  private void recordLag(@org.jspecify.annotations.Nullable Headers headers) {
    String at = headers == null ? null : headers.getFirst(PUBLISHED_AT);
    if (at == null) {
      return;
    }
    try {
      long micros = micros(clock.instant()) - Long.parseLong(at);
      // Clocks of two machines: a receiver a little behind the publisher would see a negative lag.
      lag.record(Math.max(0, micros), java.util.concurrent.TimeUnit.MICROSECONDS);
    } catch (NumberFormatException e) {
      log.debug("ignored a malformed {} header: {}", PUBLISHED_AT, at);
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
    String subject = Subjects.subject(config.subjectPrefix(), topic);
    if (queue.isEmpty()) {
      Sub sub = new Sub(topic, subject, subscriber, connection, dispatcher);
      if (closed) {
        return sub;
      }
      local.compute(
          subject,
          (k, list) -> {
            CopyOnWriteArrayList<Sub> l = list == null ? new CopyOnWriteArrayList<>() : list;
            l.add(sub);
            return l;
          });
      sub.nats = dispatcher.subscribe(subject, sub::handle);
      return added(sub);
    }
    Dispatcher queues;
    synchronized (this) {
      if (closed) {
        return new Sub(topic, subject, subscriber, connection, dispatcher);
      }
      if (queueDispatcher == null) {
        queueConnection = open(config, config.connectionName() + "-" + node + "-queues", true);
        queueDispatcher = queueConnection.createDispatcher();
      }
      queues = queueDispatcher;
    }
    Sub sub = new Sub(topic, subject, subscriber, queueConnection, queues);
    sub.nats = queues.subscribe(subject, Subjects.token(queue), sub::handle);
    return added(sub);
  }

  private Sub added(Sub sub) {
    subs.add(sub);
    // The server has the interest once it answered a ping sent after the SUB.
    flush(sub.connection, "the subscription to " + sub.subject);
    return sub;
  }

  /** Waits until the server processed what {@code c} sent so far. */
  private void flush(Connection c, String what) {
    try {
      c.flush(config.connectTimeout());
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
    Connection queues;
    synchronized (this) {
      closed = true;
      queues = queueConnection;
    }
    subs.clear();
    local.clear();
    drainAndClose(connection);
    if (queues != null) {
      drainAndClose(queues);
    }
  }

  /** Drain: unsubscribe, deliver nothing more (closed), send what was published; then close. */
  private void drainAndClose(Connection c) {
    try {
      c.drain(config.drainTimeout()).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.warn("draining the NATS connection of {} failed: {}", node, e.toString());
    } finally {
      try {
        c.close();
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
    final String subject;
    final Consumer<Event> subscriber;
    final Connection connection;
    final Dispatcher dispatcher;
    volatile io.nats.client.@org.jspecify.annotations.Nullable Subscription nats;
    volatile boolean cancelled;

    Sub(
        Topic topic,
        String subject,
        Consumer<Event> subscriber,
        Connection connection,
        Dispatcher dispatcher) {
      this.topic = topic;
      this.subject = subject;
      this.subscriber = subscriber;
      this.connection = connection;
      this.dispatcher = dispatcher;
    }

    /** An event published on this node, handed over without NATS. */
    void deliverLocal(Event event) {
      if (!cancelled && !closed) {
        deliver(event);
      }
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
      Headers headers = message.getHeaders();
      recordLag(headers);
      Span span = null;
      if (headers != null && headers.containsKey("traceparent")) {
        Context remote = propagator.extract(Context.root(), headers, HEADER_GETTER);
        if (Span.fromContext(remote).getSpanContext().isValid()) {
          span =
              tracer
                  .spanBuilder("bus.deliver")
                  .setParent(remote)
                  .setSpanKind(SpanKind.CONSUMER)
                  .setAttribute("messaging.system", "nats")
                  .setAttribute("messaging.destination.name", message.getSubject())
                  .setAttribute("warbler.event", event.getClass().getSimpleName())
                  .setAttribute("warbler.node", node)
                  .startSpan();
        }
      }
      if (span == null) {
        deliver(event);
        return;
      }
      try (Scope ignored = span.makeCurrent()) {
        deliver(event);
      } finally {
        span.end();
      }
    }

    private void deliver(Event event) {
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
      local.computeIfPresent(
          subject,
          (k, list) -> {
            list.remove(this);
            return list.isEmpty() ? null : list;
          });
      io.nats.client.Subscription s = nats;
      if (s != null && !closed) {
        try {
          dispatcher.unsubscribe(s);
          // Once the server processed the UNSUB, a queue group no longer counts this member: the
          // events it would have been handed go to the others instead of being dropped here.
          flush(connection, "the end of a subscription to " + s.getSubject());
        } catch (IllegalStateException e) {
          // The connection is closing or the subscription already went: nothing to end.
        }
      }
    }
  }
}
