package dev.warbler.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.server.Setting;
import dev.warbler.server.Settings;
import dev.warbler.server.WarblerServer;
import dev.warbler.testkit.RawClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Several nodes in this process that share one store bundle and one in-memory cluster (bus and
 * presence registry), as real nodes share a database and a broker; each on free ports with its own
 * data directory, all with one admin key and one audit key. Plus a REST helper per node.
 */
final class TestCluster implements AutoCloseable {
  /** The admin key of every node, as {@code TestServer.ADMIN_KEY} (at least 32 characters). */
  static final String ADMIN_KEY = "test-admin-key-0123456789-abcdefghijklmnop";

  static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Settings common;

  /** The store and bus every node shares; null when each node opened its own from settings. */
  private final WarblerServer.@Nullable Shared shared;

  private final List<Node> nodes;

  private TestCluster(
      Path dir, Settings common, WarblerServer.@Nullable Shared shared, List<Node> nodes) {
    this.dir = dir;
    this.common = common;
    this.shared = shared;
    this.nodes = nodes;
  }

  /**
   * Opens the shared stores in {@code dir/shared} and starts {@code count} nodes named A, B, C, ...
   * on {@code dir/A}, {@code dir/B}, ...; {@code overrides} apply to every node.
   */
  static TestCluster start(Path dir, int count, Map<Setting, String> overrides) {
    return start(dir, count, overrides, false, i -> Map.of());
  }

  /**
   * As {@link #start(Path, int, Map)}; with {@code independent}, nothing is shared in the process:
   * each node opens its own store bundle and bus from the settings, as separate processes would
   * (only meaningful with a store and a bus that nodes share outside the process, e.g. PostgreSQL
   * and NATS).
   */
  static TestCluster start(
      Path dir, int count, Map<Setting, String> overrides, boolean independent) {
    return start(dir, count, overrides, independent, i -> Map.of());
  }

  /** As above, with {@code perNode.apply(i)} on top of the settings of node {@code i}. */
  static TestCluster start(
      Path dir,
      int count,
      Map<Setting, String> overrides,
      boolean independent,
      IntFunction<Map<Setting, String>> perNode) {
    Settings common =
        Settings.defaults()
            .with(Setting.GATEWAY_HOST, "127.0.0.1")
            .with(Setting.HTTP_HOST, "127.0.0.1")
            .with(Setting.GATEWAY_PORT, "0")
            .with(Setting.HTTP_PORT, "0")
            .with(Setting.AUTH_ADMIN_KEY, ADMIN_KEY)
            .with(Setting.AUDIT_KEY_FILE, auditKeyFile(dir).toString());
    for (Map.Entry<Setting, String> e : overrides.entrySet()) {
      common = common.with(e.getKey(), e.getValue());
    }
    WarblerServer.Shared shared =
        independent
            ? null
            : WarblerServer.Shared.open(
                common.with(Setting.DATA_DIR, dir.resolve("shared").toString()));
    List<Node> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        String name = String.valueOf((char) ('A' + i));
        Settings own = common.with(Setting.DATA_DIR, dir.resolve(name).toString());
        for (Map.Entry<Setting, String> e : perNode.apply(i).entrySet()) {
          own = own.with(e.getKey(), e.getValue());
        }
        nodes.add(new Node(name, WarblerServer.start(own, shared)));
      }
    } catch (RuntimeException e) {
      nodes.forEach(Node::close);
      if (shared != null) {
        shared.close();
      }
      throw e;
    }
    return new TestCluster(dir, common, shared, List.copyOf(nodes));
  }

  /**
   * Starts one more node, {@code name}, with the settings of the others; not one of {@link
   * #nodes()}: the caller closes it.
   */
  Node startNode(String name) {
    Settings own = common.with(Setting.DATA_DIR, dir.resolve(name).toString());
    return new Node(name, WarblerServer.start(own, shared));
  }

  /** One key for every node's audit chain: they append to one log. Owner-only, as required. */
  private static Path auditKeyFile(Path dir) {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = dir.resolve("audit.key");
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, Base64.getEncoder().encodeToString(key), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  Node node(int index) {
    return nodes.get(index);
  }

  List<Node> nodes() {
    return nodes;
  }

  /** Closes the nodes, then what they share. */
  @Override
  public void close() {
    nodes.forEach(Node::close);
    if (shared != null) {
      shared.close();
    }
  }

  /**
   * Sends {@code text} from the client's user to {@code to} and returns the acked seq; fails unless
   * acked within {@code wait}.
   */
  static long sendText(RawClient from, String to, String text, Duration wait) {
    long n = IDS.incrementAndGet();
    ServerFrame ack =
        from.request(
            ClientFrame.newBuilder()
                .setId("send-" + n)
                .setSend(Send.newBuilder().setClientMsgId("msg-" + n).setUser(to).setText(text))
                .build(),
            wait);
    if (!ack.hasSendAck()) {
      throw new AssertionError("not acked: " + ack);
    }
    return ack.getSendAck().getSeq();
  }

  private static final AtomicLong IDS = new AtomicLong();

  /** A REST answer: status and the JSON body (a null node when the body is not JSON). */
  record Reply(int status, JsonNode body, String text) {}

  /** One node of the cluster. */
  static final class Node implements AutoCloseable {
    final String name;
    final WarblerServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    private Node(String name, WarblerServer server) {
      this.name = name;
      this.server = server;
    }

    URI ws() {
      return URI.create("ws://127.0.0.1:" + server.webSocketPort() + "/ws");
    }

    /** A REST call with the admin key; {@code body} is sent as JSON unless null. */
    Reply call(String method, String path, Object body) {
      try {
        HttpRequest.BodyPublisher publisher =
            body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        HttpRequest request =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .header("Content-Type", "application/json")
                .method(method, publisher)
                .build();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        boolean json = r.headers().firstValue("Content-Type").orElse("").contains("json");
        return new Reply(
            r.statusCode(),
            json && !r.body().isEmpty() ? JSON.readTree(r.body()) : JSON.nullNode(),
            r.body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** A REST call that must answer {@code status}; returns the body. */
    JsonNode expect(int status, String method, String path, Object body) {
      Reply r = call(method, path, body);
      if (r.status() != status) {
        throw new AssertionError(
            method + " " + path + " on node " + name + ": expected " + status + " but got " + r);
      }
      return r.body();
    }

    void createUser(String app, String user) {
      expect(201, "POST", "/v1/apps/" + app + "/users", Map.of("id", user));
    }

    String token(String app, String user) {
      return expect(201, "POST", "/v1/apps/" + app + "/users/" + user + "/tokens", Map.of())
          .get("token")
          .asText();
    }

    /** A protobuf client of {@code user}, authenticated on this node; the caller closes it. */
    RawClient login(String app, String user) {
      RawClient client = RawClient.connect(ws(), Encoding.PROTO);
      ServerFrame ok =
          client.request(
              ClientFrame.newBuilder()
                  .setId("auth-" + IDS.incrementAndGet())
                  .setAuth(Auth.newBuilder().setToken(token(app, user)))
                  .build());
      if (!ok.hasAuthOk()) {
        client.close();
        throw new AssertionError("auth of " + user + " on node " + name + ": " + ok);
      }
      return client;
    }

    /**
     * The value of one sample of this node's Prometheus metrics that has no labels but the {@code
     * node} every meter carries.
     */
    double metric(String sample) {
      Reply r = call("GET", "/metrics", null);
      String tagged = sample + "{node=\"" + server.nodeId() + "\"} ";
      for (String line : r.text().split("\n")) {
        if (line.startsWith(tagged)) {
          return Double.parseDouble(line.substring(tagged.length()).trim());
        }
      }
      throw new AssertionError("no sample " + sample + " in the metrics of node " + name);
    }

    @Override
    public void close() {
      server.close();
    }

    @Override
    public String toString() {
      return "node " + name;
    }
  }
}
