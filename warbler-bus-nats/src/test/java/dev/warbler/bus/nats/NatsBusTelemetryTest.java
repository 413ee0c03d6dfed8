package dev.warbler.bus.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the NATS bus carries in message headers: the publish time on every message (the receiver's
 * {@code warbler.bus.lag}), and the W3C trace context of a sampled span, under which the receiving
 * node runs its subscribers.
 */
class NatsBusTelemetryTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final NatsConfig config =
      NatsTestSupport.config(UUID.randomUUID().toString().replace("-", ""));
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk telemetry =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(spans))
                  .build())
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();

  @AfterEach
  void close() {
    telemetry.close();
  }

  @Test
  void everyMessageCarriesItsPublishTimeAndTheReceiverRecordsTheLag() throws Exception {
    Topic topic = Topic.user("acme", "amy");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Connection raw = NatsBus.open(config, "raw");
    try (NatsBus a = NatsBus.connect("a", config);
        NatsBus b = NatsBus.connect("b", config, telemetry, meters)) {
      Subscription watch = raw.subscribe(Subjects.subject(config.subjectPrefix(), topic));
      raw.flush(WAIT);
      List<Event> heard = new CopyOnWriteArrayList<>();
      b.subscribe(topic, heard::add);

      long before = System.currentTimeMillis();
      a.publish(topic, new Event.UserChanged("acme", "amy"));

      Message m = watch.nextMessage(WAIT);
      assertThat(m).isNotNull();
      long publishedMicros = Long.parseLong(m.getHeaders().getFirst(NatsBus.PUBLISHED_AT));
      assertThat(publishedMicros / 1000).isBetween(before, System.currentTimeMillis());
      assertThat(m.getHeaders().containsKey("traceparent")).as("nothing traced").isFalse();
      await().atMost(WAIT).until(() -> heard.size() == 1);
      assertThat(meters.get("warbler.bus.lag").timer().count()).isEqualTo(1);
      assertThat(meters.get("warbler.bus.publish.failures").counter().count()).isZero();
    } finally {
      raw.close();
    }
  }

  @Test
  void aSampledSpanCrossesInTheHeadersAndSubscribersRunInsideBusDeliver() {
    Topic topic = Topic.group("acme", "team");
    try (NatsBus a = NatsBus.connect("a", config, telemetry, new SimpleMeterRegistry());
        NatsBus b = NatsBus.connect("b", config, telemetry, new SimpleMeterRegistry())) {
      List<SpanContext> current = new CopyOnWriteArrayList<>();
      b.subscribe(topic, e -> current.add(Span.current().getSpanContext()));

      a.publish(topic, new Event.AppChanged("untraced"));
      Span send = telemetry.getTracer("test").spanBuilder("send").startSpan();
      try (Scope ignored = send.makeCurrent()) {
        a.publish(topic, new Event.AppChanged("traced"));
      } finally {
        send.end();
      }

      await().atMost(WAIT).until(() -> current.size() == 2);
      assertThat(current.get(0).isValid()).as("an untraced event has no span").isFalse();
      await().atMost(WAIT).until(() -> spans.getFinishedSpanItems().size() == 3);
      List<SpanData> finished = spans.getFinishedSpanItems();
      SpanData publish = named(finished, "bus.publish");
      SpanData deliver = named(finished, "bus.deliver");
      assertThat(publish.getParentSpanId()).isEqualTo(send.getSpanContext().getSpanId());
      assertThat(deliver.getParentSpanId()).isEqualTo(publish.getSpanId());
      assertThat(deliver.getTraceId()).isEqualTo(send.getSpanContext().getTraceId());
      assertThat(current.get(1).getSpanId())
          .as("the subscriber runs inside bus.deliver")
          .isEqualTo(deliver.getSpanId());
    }
  }

  private static SpanData named(List<SpanData> spans, String name) {
    List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(found).as("%s among %s", name, spans).hasSize(1);
    return found.get(0);
  }
}
