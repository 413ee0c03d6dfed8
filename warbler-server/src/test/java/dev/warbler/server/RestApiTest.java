package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API over a real socket against a real node: behaviour and every error shape. */
class RestApiTest {
  @TempDir static Path dir;
  static TestServer node;

  @BeforeAll
  static void start() {
    node = TestServer.start(dir, Map.of(Setting.LIMITS_MAX_GROUP_MEMBERS, "3"));
    node.createUser("default", "alice");
    node.createUser("default", "bob");
    node.createUser("default", "carol");
    node.createUser("default", "dave");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static void assertProblem(TestServer.Reply r, int status, String name, int code) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.body().get("title").asText()).isEqualTo(name);
    assertThat(r.body().get("code").asInt()).isEqualTo(code);
    assertThat(r.body().get("detail").asText()).isNotBlank();
  }

  @Test
  void aUserCreatedIsReadableAndADuplicateIsAConflict() {
    node.createUser("default", "erin");
    TestServer.Reply got = node.call("GET", "/v1/apps/default/users/erin", null);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.body().get("id").asText()).isEqualTo("erin");
    assertThat(got.body().get("online").asBoolean()).isFalse();
    assertProblem(
        node.call("POST", "/v1/apps/default/users", Map.of("id", "erin")),
        409,
        "ALREADY_EXISTS",
        4090);
  }

  @Test
  void createUserAppliesTheProfileRulesOfUpdateUserToTheName() {
    // limits.max-profile-bytes (8,192) holds name, avatar URL and custom ("{}", 2 bytes) together.
    TestServer.Reply huge =
        node.call(
            "POST", "/v1/apps/default/users", Map.of("id", "huge", "name", "n".repeat(1_000_000)));
    assertProblem(huge, 422, "LIMIT_EXCEEDED", 4220);
    assertThat(huge.body().get("detail").asText()).contains("limits.max-profile-bytes");
    TestServer.Reply over =
        node.call("POST", "/v1/apps/default/users", Map.of("id", "over", "name", "é".repeat(4096)));
    assertProblem(over, 422, "LIMIT_EXCEEDED", 4220);
    assertProblem(
        node.call("POST", "/v1/apps/default/users", Map.of("id", "blank", "name", "  \t ")),
        400,
        "INVALID_ARGUMENT",
        1004);
    for (String refused : List.of("huge", "over", "blank")) {
      assertProblem(
          node.call("GET", "/v1/apps/default/users/" + refused, null), 404, "USER_NOT_FOUND", 4001);
    }

    TestServer.Reply full =
        node.call("POST", "/v1/apps/default/users", Map.of("id", "full", "name", "n".repeat(8190)));
    assertThat(full.status()).as(full.toString()).isEqualTo(201);
    assertThat(full.body().get("name").asText()).hasSize(8190);
    TestServer.Reply unnamed =
        node.call("POST", "/v1/apps/default/users", Map.of("id", "unnamed", "name", ""));
    assertThat(unnamed.status()).as(unnamed.toString()).isEqualTo(201);
    assertThat(unnamed.body().get("name").asText()).isEqualTo("unnamed");
  }

  @Test
  void deletedUsersAreGone() {
    node.createUser("default", "temp");
    assertThat(node.call("DELETE", "/v1/apps/default/users/temp", null).status()).isEqualTo(204);
    assertProblem(
        node.call("GET", "/v1/apps/default/users/temp", null), 404, "USER_NOT_FOUND", 4001);
    assertProblem(
        node.call("DELETE", "/v1/apps/default/users/temp", null), 404, "USER_NOT_FOUND", 4001);
  }

  @Test
  void badBodiesGetClearErrors() {
    assertProblem(node.call("POST", "/v1/apps/default/users", "{"), 400, "BAD_REQUEST", 1000);
    assertProblem(node.call("POST", "/v1/apps/default/users", ""), 400, "BAD_REQUEST", 1000);
    TestServer.Reply unknown =
        node.call("POST", "/v1/apps/default/users", Map.of("id", "x1", "colour", "red"));
    assertProblem(unknown, 400, "BAD_REQUEST", 1000);
    assertThat(unknown.body().get("detail").asText()).contains("colour");
    assertProblem(
        node.call("POST", "/v1/apps/default/users", Map.of("id", "bad id!")),
        400,
        "INVALID_ARGUMENT",
        1004);
    assertProblem(
        node.call("POST", "/v1/apps/default/users", Map.of("name", "no id")),
        400,
        "INVALID_ARGUMENT",
        1004);
    assertProblem(node.call("GET", "/v1/nothing-here", null), 404, "NOT_FOUND", 4000);
  }

  @Test
  void credentialsAreCheckedPerApp() {
    TestServer.Reply shop = node.call("POST", "/v1/apps", Map.of("id", "shop", "name", "Shop"));
    assertThat(shop.status()).isEqualTo(201);
    String shopSecret = shop.body().get("secret").asText();
    TestServer.Reply school = node.call("POST", "/v1/apps", Map.of("id", "school"));
    String schoolSecret = school.body().get("secret").asText();

    assertThat(node.call("POST", "/v1/apps/shop/users", Map.of("id", "u1"), shopSecret).status())
        .isEqualTo(201);
    assertProblem(
        node.call("GET", "/v1/apps/shop/users/u1", null, schoolSecret), 401, "WRONG_APP", 2003);
    assertProblem(
        node.call("GET", "/v1/apps/shop/users/u1", null, "nonsense"), 401, "UNAUTHENTICATED", 2000);
    assertProblem(
        node.call("GET", "/v1/apps/shop/users/u1", null, ""), 401, "UNAUTHENTICATED", 2000);
    assertProblem(
        node.call("POST", "/v1/apps", Map.of("id", "evil"), shopSecret), 403, "FORBIDDEN", 3000);
    // Users of one app are invisible in another.
    assertProblem(
        node.call("GET", "/v1/apps/school/users/u1", null, schoolSecret),
        404,
        "USER_NOT_FOUND",
        4001);
    assertProblem(node.call("POST", "/v1/apps", Map.of("id", "shop")), 409, "ALREADY_EXISTS", 4090);
  }

  @Test
  void tokensAreIssuedOnlyForExistingUsersWithinTheMaximumLifetime() {
    TestServer.Reply ok =
        node.call("POST", "/v1/apps/default/users/alice/tokens", Map.of("ttlSeconds", 60));
    assertThat(ok.status()).isEqualTo(201);
    assertThat(ok.body().get("token").asText()).contains(".");
    assertThat(ok.body().get("expiresAt").asLong()).isGreaterThan(System.currentTimeMillis());
    assertProblem(
        node.call("POST", "/v1/apps/default/users/zed/tokens", Map.of()),
        404,
        "USER_NOT_FOUND",
        4001);
    assertProblem(
        node.call("POST", "/v1/apps/default/users/alice/tokens", Map.of("ttlSeconds", 999_999_999)),
        400,
        "INVALID_ARGUMENT",
        1004);
  }

  @Test
  void aBodyThatIsNotJsonIsRefusedWithWhereItBreaksAndNoParserClassNames() {
    for (String body : List.of("{\"from\":\"carol\",", "{\"from\" \"carol\"}", "{'x':1}")) {
      TestServer.Reply r = node.call("POST", "/v1/apps/default/messages", body);

      assertProblem(r, 400, "BAD_REQUEST", 1000);
      assertThat(r.body().get("detail").asText())
          .as("detail for %s", body)
          .startsWith("the request body is not valid JSON at line 1 column ")
          .doesNotContain("Exception", "com.fasterxml", "jackson", "Source", "`");
    }
  }

  @Test
  void aClientMsgIdOutsideItsAlphabetIsRefusedNamingTheFieldAsRestDoes() {
    TestServer.Reply r =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "carol", "to", "dave", "text", "x", "clientMsgId", "has space"));

    assertProblem(r, 400, "INVALID_ARGUMENT", 1004);
    assertThat(r.body().get("detail").asText())
        .isEqualTo(
            "clientMsgId must be 1-64 characters of 0x21-0x7E (printable ASCII, no space) but was"
                + " 'has space'");
  }

  @Test
  void messagesSentAsAUserAreListedOldestFirstWithPaging() {
    for (int i = 1; i <= 5; i++) {
      TestServer.Reply r =
          node.call(
              "POST",
              "/v1/apps/default/messages",
              Map.of("from", "carol", "to", "dave", "text", "m" + i, "clientMsgId", "cd-" + i));
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(r.body().get("seq").asLong()).isEqualTo(i);
      assertThat(r.body().get("conversation").asText()).isEqualTo("d:carol:dave");
    }
    TestServer.Reply again =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "carol", "to", "dave", "text", "m1", "clientMsgId", "cd-1"));
    assertThat(again.body().get("seq").asLong()).isEqualTo(1);
    assertThat(again.body().get("duplicate").asBoolean()).isTrue();

    JsonNode newest =
        node.call("GET", "/v1/apps/default/conversations/d:carol:dave/messages?limit=2", null)
            .body();
    assertThat(newest.get("messages").findValuesAsText("text")).containsExactly("m4", "m5");
    assertThat(newest.get("more").asBoolean()).isTrue();
    JsonNode older =
        node.call(
                "GET",
                "/v1/apps/default/conversations/d:carol:dave/messages?before=4&limit=10",
                null)
            .body();
    assertThat(older.get("messages").findValuesAsText("text")).containsExactly("m1", "m2", "m3");
    assertThat(older.get("more").asBoolean()).isFalse();
    assertThat(older.get("messages").get(0).get("from").asText()).isEqualTo("carol");
    assertThat(older.get("messages").get(0).get("type").asText()).isEqualTo("TEXT");
  }

  @Test
  void theSystemSendsStructuredNotificationsToAUsersSystemConversation() {
    TestServer.Reply r =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of(
                "to",
                "alice",
                "text",
                "Order 1042 shipped",
                "payload",
                Map.of("template", "order_shipped", "order", "1042")));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.body().get("conversation").asText()).isEqualTo("s:alice");
    JsonNode m =
        node.call("GET", "/v1/apps/default/conversations/s:alice/messages", null)
            .body()
            .get("messages")
            .get(0);
    assertThat(m.get("type").asText()).isEqualTo("SYSTEM");
    assertThat(m.get("from").asText()).isEmpty();
    assertThat(m.get("payload").get("template").asText()).isEqualTo("order_shipped");
  }

  @Test
  void sendsThatBreakTheRulesAreRefusedWithTheirCodes() {
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "alice", "to", "nobody", "text", "hi")),
        404,
        "USER_NOT_FOUND",
        4001);
    assertProblem(
        node.call("POST", "/v1/apps/default/messages", Map.of("from", "alice", "text", "hi")),
        400,
        "INVALID_ARGUMENT",
        1004);
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "alice", "to", "bob", "text", "x".repeat(40_000))),
        413,
        "MESSAGE_TOO_LARGE",
        1003);
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "alice", "to", "bob", "type", "SYSTEM", "text", "fake")),
        403,
        "FORBIDDEN",
        3000);
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "alice", "to", "bob", "type", "CUSTOM", "payload", "not json")),
        400,
        "INVALID_ARGUMENT",
        1004);
    // NUL: PostgreSQL cannot keep it, so no store is given one (the same answer on every store).
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "alice", "to", "bob", "text", "a\u0000b")),
        400,
        "INVALID_ARGUMENT",
        1004);
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "alice", "conversation", "d:bob:carol", "text", "intrude")),
        403,
        "NOT_MEMBER",
        3001);
  }

  @Test
  void groupsEnforceMembershipAndTheirSizeLimit() {
    TestServer.Reply g =
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of("id", "team", "owner", "alice", "members", List.of("bob")));
    assertThat(g.status()).as(g.toString()).isEqualTo(201);
    assertThat(g.body().get("conversation").asText()).isEqualTo("g:team");
    assertThat(g.body().get("members").findValuesAsText("members")).isEmpty();
    assertThat(g.body().get("members").toString()).contains("alice", "bob");

    TestServer.Reply add =
        node.call(
            "POST",
            "/v1/apps/default/groups/team/members",
            Map.of("users", List.of("carol", "bob")));
    assertThat(add.status()).isEqualTo(200);
    assertThat(add.body().get("added").toString()).isEqualTo("[\"carol\"]");
    assertProblem(
        node.call("POST", "/v1/apps/default/groups/team/members", Map.of("users", List.of("dave"))),
        422,
        "LIMIT_EXCEEDED",
        4220);

    assertThat(
            node.call(
                    "POST",
                    "/v1/apps/default/messages",
                    Map.of("from", "carol", "group", "team", "text", "hello team"))
                .status())
        .isEqualTo(201);
    TestServer.Reply removed =
        node.call("DELETE", "/v1/apps/default/groups/team/members?users=carol", null);
    assertThat(removed.body().get("removed").toString()).isEqualTo("[\"carol\"]");
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "carol", "group", "team", "text", "still here?")),
        403,
        "NOT_MEMBER",
        3001);
    assertProblem(
        node.call("DELETE", "/v1/apps/default/groups/team/members?users=alice", null),
        403,
        "FORBIDDEN",
        3000);
    assertProblem(
        node.call("POST", "/v1/apps/default/groups/ghost/members", Map.of("users", List.of("bob"))),
        404,
        "GROUP_NOT_FOUND",
        4002);
  }

  @Test
  void discoveryAnnouncesTheGatewayAndHealthEndpointsAnswer() {
    JsonNode d = node.call("GET", "/v1/discovery", null, "").body();
    assertThat(d.get("websocket").asText())
        .isEqualTo("ws://127.0.0.1:" + node.server.webSocketPort() + "/ws");
    assertThat(d.get("protocols").toString()).contains("warbler.v1.json", "warbler.v1.proto");
    assertThat(node.call("GET", "/healthz", null, "").status()).isEqualTo(200);
    assertThat(node.call("GET", "/readyz", null, "").status()).isEqualTo(200);
  }
}
