package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real HTTP server on port 0 that answers like the REST API. */
class WarblerAdminTest {
  private HttpServer http;
  private WarblerAdmin admin;
  private final Map<String, JsonNode> bodies = new ConcurrentHashMap<>();
  private final Map<String, String> auth = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", this::handle);
    http.start();
    admin =
        WarblerAdmin.create(
            URI.create("http://127.0.0.1:" + http.getAddress().getPort()), "admin-key");
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    if (!body.isEmpty()) {
      bodies.put(path, Rest.JSON.readTree(body));
    }
    auth.put(path, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
    switch (path) {
      case "/v1/discovery" ->
          reply(
              exchange,
              200,
              "application/json",
              "{\"websocket\":\"ws://127.0.0.1:7070/ws\",\"protocols\":[\"warbler.v1.json\",\"warbler.v1.proto\"],\"version\":\"0.1.0\"}");
      case "/v1/apps/default/users" -> {
        if (bodies.get(path).path("id").asText().equals("taken")) {
          reply(
              exchange,
              409,
              "application/problem+json",
              "{\"type\":\"https://warbler.dev/errors/ALREADY_EXISTS\",\"title\":\"ALREADY_EXISTS\",\"status\":409,"
                  + "\"detail\":\"user 'taken' already exists\",\"code\":4090,\"retryable\":false}");
        } else {
          reply(
              exchange,
              201,
              "application/json",
              "{\"id\":\"alice\",\"name\":\"Alice\",\"createdAt\":\"2026-01-01T00:00:00Z\"}");
        }
      }
      case "/v1/apps/default/users/alice/tokens" ->
          reply(
              exchange,
              201,
              "application/json",
              "{\"token\":\"jwt.for.alice\",\"app\":\"default\",\"user\":\"alice\",\"expiresAt\":1767225600000}");
      case "/v1/apps/default/groups" ->
          reply(
              exchange,
              201,
              "application/json",
              "{\"id\":\"team\",\"name\":\"Team\",\"owner\":\"alice\",\"members\":[\"alice\",\"bob\"],"
                  + "\"createdAt\":1767225600000,\"conversation\":\"g:team\"}");
      case "/v1/apps/default/messages" ->
          reply(
              exchange,
              201,
              "application/json",
              "{\"conversation\":\"d:alice:bob\",\"seq\":7,\"messageId\":\"m7\",\"sentAt\":1767225600000,"
                  + "\"duplicate\":false,\"clientMsgId\":\"c1\"}");
      default -> reply(exchange, 502, "text/html", "<html>bad gateway</html>");
    }
  }

  private static void reply(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Test
  void discoveryNamesTheWebSocketAddress() {
    Discovery d = admin.discovery();

    assertThat(d.websocket()).isEqualTo(URI.create("ws://127.0.0.1:7070/ws"));
    assertThat(d.protocols()).containsExactly("warbler.v1.json", "warbler.v1.proto");
    assertThat(d.version()).isEqualTo("0.1.0");
  }

  @Test
  void createUserPostsTheUserWithTheKeyAsBearer() {
    WarblerAdmin.User user = admin.createUser("default", "alice", "Alice");

    assertThat(user)
        .isEqualTo(new WarblerAdmin.User("alice", "Alice", Instant.parse("2026-01-01T00:00:00Z")));
    assertThat(bodies.get("/v1/apps/default/users").toString())
        .isEqualTo("{\"id\":\"alice\",\"name\":\"Alice\"}");
    assertThat(auth.get("/v1/apps/default/users")).isEqualTo("Bearer admin-key");
  }

  @Test
  void aProblemAnswerBecomesAnExceptionWithItsCodeAndDetail() {
    assertThatThrownBy(() -> admin.createUser("default", "taken", ""))
        .isInstanceOfSatisfying(
            WarblerClientException.class,
            e -> {
              assertThat(e.code()).isEqualTo(4090);
              assertThat(e.name()).isEqualTo("ALREADY_EXISTS");
              assertThat(e.error().getMessage()).isEqualTo("user 'taken' already exists");
              assertThat(e.httpStatus()).hasValue(409);
            });
  }

  @Test
  void anErrorWithoutAProblemBodyGetsACodeThatFitsTheStatus() {
    assertThatThrownBy(() -> admin.createUser("other", "x", ""))
        .isInstanceOfSatisfying(
            WarblerClientException.class,
            e -> {
              assertThat(e.name()).isEqualTo("INTERNAL");
              assertThat(e.error().getMessage()).startsWith("HTTP 502").contains("bad gateway");
            });
  }

  @Test
  void issueUserTokenReturnsTheToken() {
    assertThat(admin.issueUserToken("default", "alice", 600)).isEqualTo("jwt.for.alice");
    assertThat(bodies.get("/v1/apps/default/users/alice/tokens").path("ttlSeconds").asLong())
        .isEqualTo(600);
  }

  @Test
  void createGroupSendsOwnerAndMembers() {
    WarblerAdmin.Group group =
        admin.createGroup("default", "team", "Team", "alice", List.of("alice", "bob"));

    assertThat(group.conversation()).isEqualTo("g:team");
    assertThat(group.members()).containsExactly("alice", "bob");
    assertThat(group.createdAt()).isEqualTo(Instant.ofEpochMilli(1767225600000L));
    assertThat(bodies.get("/v1/apps/default/groups").toString())
        .isEqualTo(
            "{\"id\":\"team\",\"owner\":\"alice\",\"name\":\"Team\",\"members\":[\"alice\",\"bob\"]}");
  }

  @Test
  void sendMessageMapsTheProtocolSendToTheRestBody() {
    var ack =
        admin.sendMessage(
            "default",
            "alice",
            Send.newBuilder()
                .setUser("bob")
                .setType(MessageType.CUSTOM)
                .setPayload("{\"k\":[1,2]}")
                .setClientMsgId("c1")
                .build());

    assertThat(ack.getSeq()).isEqualTo(7);
    assertThat(ack.getConversation()).isEqualTo("d:alice:bob");
    assertThat(bodies.get("/v1/apps/default/messages").toString())
        .isEqualTo(
            "{\"from\":\"alice\",\"to\":\"bob\",\"type\":\"CUSTOM\",\"payload\":{\"k\":[1,2]},\"clientMsgId\":\"c1\"}");
  }

  @Test
  void anUnreachableServerIsAnUncheckedIoException() {
    http.stop(0);

    assertThatThrownBy(() -> admin.discovery())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot reach");
  }
}
