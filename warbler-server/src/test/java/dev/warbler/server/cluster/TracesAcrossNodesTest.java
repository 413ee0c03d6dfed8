package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;
import dev.warbler.bus.nats.NatsConfig;
import dev.warbler.bus.nats.NatsPresenceRegistry;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.server.Setting;
import dev.warbler.server.cluster.TestCluster.Node;
import dev.warbler.testkit.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces across two nodes on the NATS of this machine, exported over OTLP/HTTP to a collector made
 * here: a real socket that takes the exporters' {@code POST /v1/traces} (protobuf {@code
 * ExportTraceServiceRequest}, read field by field). A message sent through node A to a user
 * connected to node B is one trace: {@code send} and {@code store.append} and {@code bus.publish}
 * on A, {@code bus.deliver} and {@code push} on B, each the child of the one before (the store's
 * under the send). The nodes are closed before the spans are read: closing flushes the exporter.
 */
class TracesAcrossNodesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final String run = "tr" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final List<byte[]> exports = new CopyOnWriteArrayList<>();
  private HttpServer collector;

  @BeforeEach
  void startTheCollector() throws IOException {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            if (exchange.getRequestMethod().equals("POST")) {
              exports.add(in.readAllBytes());
            }
          }
          // An empty ExportTraceServiceResponse: everything accepted.
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
  }

  @AfterEach
  void stopTheCollector() {
    collector.stop(0);
    try (NatsPresenceRegistry registry =
        NatsPresenceRegistry.connect(
            "cleanup",
            NatsConfig.defaults().withServers(List.of(natsUrl())).withPresenceBucket(run))) {
      registry.deleteBucket();
    }
  }

  private static String natsUrl() {
    String url = System.getenv("NATS_URL");
    return url == null || url.isBlank() ? NatsConfig.DEFAULT_URL : url;
  }

  @Test
  void aSendThroughNodeAAndItsPushOnNodeBAreOneTraceWithEveryParentLinked() {
    String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
    String nodeA = run + "-a";
    String nodeB = run + "-b";
    String conversation;
    long seqWs;
    long seqRest;
    try (TestCluster cluster =
        TestCluster.start(
            dir,
            2,
            Map.of(
                Setting.BUS_KIND,
                "nats",
                Setting.BUS_NATS_SERVERS,
                natsUrl(),
                Setting.BUS_NATS_SUBJECT_PREFIX,
                run,
                Setting.BUS_NATS_PRESENCE_BUCKET,
                run,
                Setting.OTEL_EXPORTER_OTLP_ENDPOINT,
                endpoint,
                Setting.OTEL_SERVICE_NAME,
                "warbler-test"),
            false,
            i -> Map.of(Setting.BUS_NODE_ID, i == 0 ? nodeA : nodeB))) {
      Node a = cluster.node(0);
      Node b = cluster.node(1);
      a.createUser("default", "amy");
      a.createUser("default", "bob");
      conversation = "d:amy:bob";
      try (RawClient amy = login(a, "amy");
          RawClient bob = login(b, "bob")) {
        ServerFrame ack =
            amy.request(
                ClientFrame.newBuilder()
                    .setId("s1")
                    .setSend(Send.newBuilder().setClientMsgId("c1").setUser("bob").setText("hi"))
                    .build(),
                WAIT);
        assertThat(ack.hasSendAck()).as("%s", ack).isTrue();
        seqWs = ack.getSendAck().getSeq();
        assertThat(bob.await(f -> f.hasMessage() && f.getMessage().getSeq() == seqWs, WAIT))
            .isNotNull();

        seqRest =
            a.expect(
                    201,
                    "POST",
                    "/v1/apps/default/messages",
                    Map.of("from", "amy", "to", "bob", "text", "over REST"))
                .get("seq")
                .asLong();
        assertThat(bob.await(f -> f.hasMessage() && f.getMessage().getSeq() == seqRest, WAIT))
            .isNotNull();

        // The metrics of the same sends, tagged with each node's id.
        String metricsA = a.call("GET", "/metrics", null).text();
        String metricsB = b.call("GET", "/metrics", null).text();
        String a1 = "{node=\"" + nodeA + "\"}";
        String b1 = "{node=\"" + nodeB + "\"}";
        assertThat(sample(metricsA, "warbler_store_append_seconds_count" + a1)).isEqualTo(2);
        assertThat(metricsA)
            .contains("warbler_store_append_seconds_bucket{node=\"" + nodeA + "\",le=");
        assertThat(sample(metricsA, "warbler_gateway_connections" + a1)).isEqualTo(1);
        assertThat(sample(metricsB, "warbler_bus_publish_failures_total" + b1)).isZero();
        assertThat(metricsB).contains("warbler_bus_lag_seconds_bucket{node=\"" + nodeB + "\",le=");
        assertThat(sample(metricsB, "warbler_bus_lag_seconds_count" + b1))
            .as("events B received from NATS, each with its publish time")
            .isGreaterThanOrEqualTo(2);
      }
    } // closing the nodes flushes their spans to the collector

    List<SpanData> spans = spans();
    for (long seq : List.of(seqWs, seqRest)) {
      SpanData send =
          one(spans, s -> s.name.equals("send") && s.node.equals(nodeA) && s.seq == seq, "send");
      assertThat(send.parent).as("send is the root").isEmpty();
      List<SpanData> trace = spans.stream().filter(s -> s.traceId.equals(send.traceId)).toList();

      SpanData append = one(trace, s -> s.name.equals("store.append"), "store.append");
      assertThat(append.node).isEqualTo(nodeA);
      assertThat(append.parent).contains(send.spanId);
      assertThat(append.seq).isEqualTo(seq);

      // The delivery to bob's topic (user:bob), which only B subscribes to.
      SpanData push =
          one(
              trace,
              s -> s.name.equals("push") && s.node.equals(nodeB),
              "push on B of seq " + seq + " in " + conversation);
      SpanData deliver = byId(trace, push.parent, "the parent of push");
      assertThat(deliver.name).isEqualTo("bus.deliver");
      assertThat(deliver.node).isEqualTo(nodeB);
      SpanData publish = byId(trace, deliver.parent, "the parent of bus.deliver");
      assertThat(publish.name).isEqualTo("bus.publish");
      assertThat(publish.node).isEqualTo(nodeA);
      assertThat(publish.parent).contains(send.spanId);
    }
  }

  private static double sample(String metrics, String prefix) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(prefix + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + prefix));
  }

  private static RawClient login(Node node, String user) {
    RawClient client = RawClient.connect(node.ws(), Encoding.PROTO);
    ServerFrame ok =
        client.request(
            ClientFrame.newBuilder()
                .setId("a")
                .setAuth(Auth.newBuilder().setToken(node.token("default", user)))
                .build());
    assertThat(ok.hasAuthOk()).as("%s", ok).isTrue();
    return client;
  }

  private static SpanData one(
      List<SpanData> spans, java.util.function.Predicate<SpanData> match, String what) {
    List<SpanData> found = spans.stream().filter(match).toList();
    assertThat(found).as("%s among %s", what, spans).hasSize(1);
    return found.get(0);
  }

  private static SpanData byId(List<SpanData> spans, Optional<String> id, String what) {
    assertThat(id).as(what).isPresent();
    return one(spans, s -> s.spanId.equals(id.get()), what + " (" + id.get() + ")");
  }

  /** A span as exported: ids in hex, the node from service.instance.id, warbler.seq if set. */
  record SpanData(
      String name, String traceId, String spanId, Optional<String> parent, String node, long seq) {
    @Override
    public String toString() {
      return name + "@" + node + "[" + spanId + "<-" + parent.orElse("") + "]";
    }
  }

  /**
   * Every span of every export, read from the OTLP protobuf by field number (opentelemetry-proto's
   * trace.proto): ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.resource = 1,
   * scope_spans = 2; Resource.attributes = 1; ScopeSpans.spans = 2; Span.trace_id = 1, span_id = 2,
   * parent_span_id = 4, name = 5, attributes = 9; KeyValue.key = 1, value = 2;
   * AnyValue.string_value = 1, int_value = 3.
   */
  private List<SpanData> spans() {
    List<SpanData> all = new ArrayList<>();
    try {
      for (byte[] export : exports) {
        for (ByteString rs : fields(UnknownFieldSet.parseFrom(export), 1)) {
          UnknownFieldSet resourceSpans = UnknownFieldSet.parseFrom(rs);
          String node = "";
          for (ByteString resource : fields(resourceSpans, 1)) {
            for (ByteString kv : fields(UnknownFieldSet.parseFrom(resource), 1)) {
              UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
              if (string(pair, 1).equals("service.instance.id")) {
                node = string(UnknownFieldSet.parseFrom(fields(pair, 2).get(0)), 1);
              }
            }
          }
          for (ByteString scopeSpans : fields(resourceSpans, 2)) {
            for (ByteString s : fields(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
              UnknownFieldSet span = UnknownFieldSet.parseFrom(s);
              List<ByteString> parent = fields(span, 4);
              long seq = -1;
              for (ByteString kv : fields(span, 9)) {
                UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
                if (string(pair, 1).equals("warbler.seq")) {
                  seq =
                      UnknownFieldSet.parseFrom(fields(pair, 2).get(0))
                          .getField(3)
                          .getVarintList()
                          .get(0);
                }
              }
              all.add(
                  new SpanData(
                      string(span, 5),
                      hex(fields(span, 1).get(0)),
                      hex(fields(span, 2).get(0)),
                      parent.isEmpty() || parent.get(0).isEmpty()
                          ? Optional.empty()
                          : Optional.of(hex(parent.get(0))),
                      node,
                      seq));
            }
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("the collector got something that is not OTLP protobuf", e);
    }
    return all;
  }

  private static List<ByteString> fields(UnknownFieldSet set, int number) {
    return set.hasField(number) ? set.getField(number).getLengthDelimitedList() : List.of();
  }

  private static String string(UnknownFieldSet set, int number) {
    List<ByteString> v = fields(set, number);
    return v.isEmpty() ? "" : v.get(0).toStringUtf8();
  }

  private static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }
}
