package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST operations of receipts, presence, user profiles and usage, over real sockets against a
 * real node: behaviour, paging, metering across a restart, and every refusal.
 */
class RestReceiptsApiTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir static Path dir;
  static TestServer node;

  @BeforeAll
  static void start() {
    node = TestServer.start(dir.resolve("shared"));
    for (String u : List.of("carol", "dave", "erin", "fred")) {
      node.createUser("default", u);
    }
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
  }

  private static RawClient login(TestServer server, String user) {
    RawClient c = RawClient.connect(server.ws(), Encoding.JSON);
    ServerFrame ok =
        c.request(
            ClientFrame.newBuilder()
                .setId("auth")
                .setAuth(Auth.newBuilder().setToken(server.token("default", user)))
                .build());
    assertThat(ok.hasAuthOk()).as(ok.toString()).isTrue();
    return c;
  }

  private static void sendAs(TestServer server, String from, String to, String text) {
    TestServer.Reply r =
        server.call(
            "POST", "/v1/apps/default/messages", Map.of("from", from, "to", to, "text", text));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  // ---- markRead ----------------------------------------------------------------------------

  @Test
  void markReadMovesTheReadPositionAndTellsTheOtherMember() {
    for (int i = 1; i <= 3; i++) {
      sendAs(node, "carol", "dave", "m" + i);
    }
    try (RawClient carol = login(node, "carol")) {
      TestServer.Reply two =
          node.call(
              "POST",
              "/v1/apps/default/conversations/d:carol:dave/read",
              Map.of("user", "dave", "seq", 2));
      assertThat(two.status()).as(two.toString()).isEqualTo(200);
      assertThat(two.body().get("conversation").asText()).isEqualTo("d:carol:dave");
      assertThat(two.body().get("user").asText()).isEqualTo("dave");
      assertThat(two.body().get("readSeq").asLong()).isEqualTo(2);
      assertThat(two.body().get("unread").asLong()).isEqualTo(1);
      ServerFrame receipt = carol.await(ServerFrame::hasReadReceipt, WAIT);
      assertThat(receipt.getReadReceipt().getUser()).isEqualTo("dave");
      assertThat(receipt.getReadReceipt().getReadSeq()).isEqualTo(2);
    }

    TestServer.Reply all =
        node.call(
            "POST", "/v1/apps/default/conversations/d:carol:dave/read", Map.of("user", "dave"));
    assertThat(all.body().get("readSeq").asLong()).isEqualTo(3);
    assertThat(all.body().get("unread").asLong()).isZero();
  }

  @Test
  void markReadAnswersUnreadAndMentionLikeTheConversationListAndTheUsersSettings() {
    node.createUser("default", "gus");
    node.createUser("default", "hal");
    String conversation = "/v1/apps/default/conversations/d:gus:hal";
    sendAs(node, "gus", "hal", "one");
    TestServer.Reply mention =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "gus", "to", "hal", "text", "look", "mentions", List.of("hal")));
    assertThat(mention.status()).as(mention.toString()).isEqualTo(201);
    TestServer.Reply recall =
        node.call("POST", conversation + "/messages/1/recall", Map.of("by", "gus"));
    assertThat(recall.body().get("seq").asLong()).isEqualTo(3);
    TestServer.Reply settings =
        node.call(
            "PATCH",
            "/v1/apps/default/users/hal/conversations/d:gus:hal",
            Map.of("pinned", true, "custom", Map.of("c", 1)));
    assertThat(settings.status()).as(settings.toString()).isEqualTo(200);

    TestServer.Reply partly =
        node.call("POST", conversation + "/read", Map.of("user", "hal", "seq", 1));

    assertThat(partly.status()).as(partly.toString()).isEqualTo(200);
    JsonNode state = partly.body();
    assertThat(state.get("readSeq").asLong()).isEqualTo(1);
    // Seq 2 only: seq 3 is the recall's CHANGE entry.
    assertThat(state.get("unread").asLong()).isEqualTo(1);
    assertThat(state.get("mentioned").asBoolean()).isTrue();
    assertThat(state.get("pinned").asBoolean()).isTrue();
    assertThat(state.get("muted").asBoolean()).isFalse();
    assertThat(state.get("custom").get("c").asInt()).isEqualTo(1);
    JsonNode listed =
        node.call("GET", "/v1/apps/default/users/hal/conversations/d:gus:hal", null).body();
    assertThat(listed.get("unread").asLong()).isEqualTo(1);
    assertThat(listed.get("mentioned").asBoolean()).isTrue();

    JsonNode all = node.call("POST", conversation + "/read", Map.of("user", "hal")).body();
    assertThat(all.get("readSeq").asLong()).isEqualTo(3);
    assertThat(all.get("unread").asLong()).isZero();
    assertThat(all.get("mentioned").asBoolean()).isFalse();
    assertThat(all.get("pinned").asBoolean()).isTrue();
  }

  @Test
  void inAGroupTheEventsOfGroupChangesAreUnreadLikeAnyMessageOfSomeoneElse() {
    for (String u : List.of("ivy", "jon", "kim")) {
      node.createUser("default", u);
    }
    TestServer.Reply created =
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of("id", "book-club", "owner", "ivy", "members", List.of("jon")));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String jonsView = "/v1/apps/default/users/jon/conversations/g:book-club";
    String read = "/v1/apps/default/conversations/g:book-club/read";

    // Seq 1 is group_created, a SYSTEM message of nobody: unread for every member, the owner too.
    assertThat(node.call("GET", jonsView, null).body().get("unread").asLong()).isEqualTo(1);
    assertThat(
            node.call("GET", "/v1/apps/default/users/ivy/conversations/g:book-club", null)
                .body()
                .get("unread")
                .asLong())
        .isEqualTo(1);
    TestServer.Reply hi =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "ivy", "group", "book-club", "text", "hi"));
    assertThat(hi.body().get("seq").asLong()).isEqualTo(2);
    TestServer.Reply added =
        node.call(
            "POST", "/v1/apps/default/groups/book-club/members", Map.of("users", List.of("kim")));
    assertThat(added.status()).as(added.toString()).isEqualTo(200);

    // group_created, "hi" and member_joined (seq 3).
    assertThat(node.call("GET", jonsView, null).body().get("unread").asLong()).isEqualTo(3);
    JsonNode partly = node.call("POST", read, Map.of("user", "jon", "seq", 1)).body();
    assertThat(partly.get("readSeq").asLong()).isEqualTo(1);
    assertThat(partly.get("unread").asLong()).isEqualTo(2);
    // The owner's own "hi" moved her read position past group_created; member_joined is unread.
    JsonNode owner = node.call("POST", read, Map.of("user", "ivy", "seq", 2)).body();
    assertThat(owner.get("unread").asLong()).isEqualTo(1);
    JsonNode all = node.call("POST", read, Map.of("user", "jon")).body();
    assertThat(all.get("readSeq").asLong()).isEqualTo(3);
    assertThat(all.get("unread").asLong()).isZero();
  }

  @Test
  void markReadRefusesStrangersUnknownUsersAndBadInput() {
    sendAs(node, "erin", "fred", "hello");
    String path = "/v1/apps/default/conversations/d:erin:fred/read";

    assertProblem(node.call("POST", path, Map.of("user", "carol")), 403, "NOT_MEMBER", 3001);
    assertProblem(node.call("POST", path, Map.of("user", "ghost")), 404, "USER_NOT_FOUND", 4001);
    assertProblem(node.call("POST", path, Map.of("seq", 1)), 400, "INVALID_ARGUMENT", 1004);
    assertProblem(
        node.call("POST", path, Map.of("user", "erin", "seq", -1)), 400, "INVALID_ARGUMENT", 1004);
    assertProblem(
        node.call("POST", "/v1/apps/default/conversations/nonsense/read", Map.of("user", "erin")),
        400,
        "INVALID_ARGUMENT",
        1004);
    assertProblem(
        node.call(
            "POST", "/v1/apps/default/conversations/g:no-such-group/read", Map.of("user", "erin")),
        403,
        "NOT_MEMBER",
        3001);
    assertProblem(
        node.call("POST", path, Map.of("user", "erin", "colour", "red")), 400, "BAD_REQUEST", 1000);
  }

  // ---- getPresence -------------------------------------------------------------------------

  @Test
  void presenceShowsWhoIsOnlineAndWhenTheOthersWereLastSeen() {
    long before = System.currentTimeMillis();
    RawClient fred = login(node, "fred");
    JsonNode online = node.call("GET", "/v1/apps/default/presence?users=fred,ghost", null).body();
    assertThat(online.get("items")).hasSize(2);
    assertThat(online.get("items").get(0).get("user").asText()).isEqualTo("fred");
    assertThat(online.get("items").get(0).get("online").asBoolean()).isTrue();
    assertThat(online.get("items").get(1).get("online").asBoolean()).isFalse();
    assertThat(online.get("items").get(1).get("lastSeen").asLong()).isZero();
    assertThat(online.has("nextCursor")).isFalse();

    fred.close();

    await()
        .atMost(WAIT)
        .until(() ->
            !node.call("GET", "/v1/apps/default/presence?users=fred", null)
                .body()
                .get("items")
                .get(0)
                .get("online")
                .asBoolean());
    JsonNode offline = node.call("GET", "/v1/apps/default/presence?users=fred", null).body();
    assertThat(offline.get("items").get(0).get("lastSeen").asLong()).isGreaterThanOrEqualTo(before);
    assertThat(
            node.call("GET", "/v1/apps/default/users/fred", null).body().get("lastSeen").asLong())
        .isEqualTo(offline.get("items").get(0).get("lastSeen").asLong());
  }

  @Test
  void presenceNeedsAFewWellFormedUsers() {
    assertProblem(
        node.call("GET", "/v1/apps/default/presence", null), 400, "INVALID_ARGUMENT", 1004);
    assertProblem(
        node.call("GET", "/v1/apps/default/presence?users=bad%20id", null),
        400,
        "INVALID_ARGUMENT",
        1004);
    String many = IntStream.range(0, 501).mapToObj(i -> "u" + i).collect(Collectors.joining(","));
    assertProblem(
        node.call("GET", "/v1/apps/default/presence?users=" + many, null),
        422,
        "LIMIT_EXCEEDED",
        4220);
  }

  // ---- updateUser, getUser, listUsers ------------------------------------------------------

  @Test
  void aProfileUpdateChangesOnlyWhatItNamesAndGetUserShowsIt() {
    node.createUser("default", "gina");
    String path = "/v1/apps/default/users/gina";
    TestServer.Reply updated =
        node.call(
            "PATCH",
            path,
            Map.of(
                "name",
                "Gina G.",
                "avatarUrl",
                "https://cdn.example/gina.png",
                "custom",
                Map.of("tier", "gold", "points", 42)));
    assertThat(updated.status()).as(updated.toString()).isEqualTo(200);

    node.call("PATCH", path, Map.of("name", "Gina"));

    JsonNode got = node.call("GET", path, null).body();
    assertThat(got.get("id").asText()).isEqualTo("gina");
    assertThat(got.get("name").asText()).isEqualTo("Gina");
    assertThat(got.get("avatarUrl").asText()).isEqualTo("https://cdn.example/gina.png");
    assertThat(got.get("custom").get("tier").asText()).isEqualTo("gold");
    assertThat(got.get("custom").get("points").asInt()).isEqualTo(42);
    assertThat(got.get("online").asBoolean()).isFalse();
    assertThat(got.get("lastSeen").asLong()).isZero();

    Map<String, Object> reset = new HashMap<>();
    reset.put("custom", null);
    reset.put("avatarUrl", "");
    JsonNode cleared = node.call("PATCH", path, reset).body();
    assertThat(cleared.get("custom").isObject()).isTrue();
    assertThat(cleared.get("custom").size()).isZero();
    assertThat(cleared.get("avatarUrl").asText()).isEmpty();
  }

  @Test
  void badProfilesAreRefusedWithTheirCodes() {
    String path = "/v1/apps/default/users/erin";
    assertProblem(node.call("PATCH", path, Map.of("name", " ")), 400, "INVALID_ARGUMENT", 1004);
    assertProblem(
        node.call("PATCH", path, Map.of("avatarUrl", "javascript:alert(1)")),
        400,
        "INVALID_ARGUMENT",
        1004);
    assertProblem(
        node.call("PATCH", path, Map.of("custom", List.of(1, 2))), 400, "INVALID_ARGUMENT", 1004);
    assertProblem(
        node.call("PATCH", path, Map.of("custom", Map.of("blob", "x".repeat(9_000)))),
        422,
        "LIMIT_EXCEEDED",
        4220);
    assertProblem(node.call("PATCH", path, Map.of("age", 3)), 400, "BAD_REQUEST", 1000);
    assertProblem(
        node.call("PATCH", "/v1/apps/default/users/ghost", Map.of("name", "Ghost")),
        404,
        "USER_NOT_FOUND",
        4001);
    assertThat(node.call("GET", path, null).body().get("name").asText()).isEqualTo("erin");
  }

  @Test
  void listUsersPagesThroughEveryUserOnceWithAnOpaqueCursor() {
    String secret =
        node.call("POST", "/v1/apps", Map.of("id", "paging")).body().get("secret").asText();
    List<String> created = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      String id = "p" + i;
      node.call("POST", "/v1/apps/paging/users", Map.of("id", id), secret);
      created.add(id);
    }

    List<String> seen = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String cursor = "";
    do {
      TestServer.Reply page =
          node.call("GET", "/v1/apps/paging/users?limit=3&cursor=" + cursor, null, secret);
      assertThat(page.status()).as(page.toString()).isEqualTo(200);
      sizes.add(page.body().get("items").size());
      page.body().get("items").forEach(u -> seen.add(u.get("id").asText()));
      cursor = page.body().has("nextCursor") ? page.body().get("nextCursor").asText() : "";
    } while (!cursor.isEmpty());

    assertThat(seen).containsExactlyElementsOf(created);
    assertThat(sizes).containsExactly(3, 3, 1);
    assertThat(node.call("GET", "/v1/apps/paging/users", null, secret).body().get("items"))
        .hasSize(7);
    assertProblem(
        node.call("GET", "/v1/apps/paging/users?cursor=!!", null, secret),
        400,
        "INVALID_ARGUMENT",
        1004);
    assertProblem(
        node.call("GET", "/v1/apps/paging/users?limit=-1", null, secret),
        400,
        "INVALID_ARGUMENT",
        1004);
  }

  // ---- permissions -------------------------------------------------------------------------

  @Test
  void everyOperationRefusesAnotherAppsKeyAndMissingCredentials() {
    String other =
        node.call("POST", "/v1/apps", Map.of("id", "elsewhere")).body().get("secret").asText();
    List<Object[]> ops =
        List.of(
            new Object[] {"GET", "/v1/apps/default/users", null},
            new Object[] {"PATCH", "/v1/apps/default/users/carol", Map.of("name", "Mallory")},
            new Object[] {
              "POST", "/v1/apps/default/conversations/d:carol:dave/read", Map.of("user", "dave")
            },
            new Object[] {"GET", "/v1/apps/default/presence?users=carol", null},
            new Object[] {"GET", "/v1/apps/default/usage", null});
    for (Object[] op : ops) {
      assertProblem(
          node.call((String) op[0], (String) op[1], op[2], other), 401, "WRONG_APP", 2003);
      assertProblem(
          node.call((String) op[0], (String) op[1], op[2], ""), 401, "UNAUTHENTICATED", 2000);
    }
    assertThat(node.call("GET", "/v1/apps/default/users/carol", null).body().get("name").asText())
        .isEqualTo("carol");
  }

  // ---- getUsage ----------------------------------------------------------------------------

  @Test
  void usageCountsChatroomMessagesButNeitherChangeEntriesNorDeleteForMe() {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    try (TestServer server = TestServer.start(dir.resolve("metered-slices"))) {
      server.createUser("default", "ann");
      server.createUser("default", "ben");
      sendAs(server, "ann", "ben", "hi");
      TestServer.Reply recall =
          server.call(
              "POST",
              "/v1/apps/default/conversations/d:ann:ben/messages/1/recall",
              Map.of("by", "ann"));
      assertThat(recall.status()).as(recall.toString()).isEqualTo(200);
      assertThat(server.call("POST", "/v1/apps/default/chatrooms", Map.of("id", "hall")).status())
          .isEqualTo(201);
      TestServer.Reply roomMessage =
          server.call(
              "POST",
              "/v1/apps/default/chatrooms/hall/messages",
              Map.of("from", "ben", "text", "hey hall"));
      assertThat(roomMessage.status()).as(roomMessage.toString()).isEqualTo(201);
      try (RawClient ben = login(server, "ben")) {
        ServerFrame deleted =
            ben.request(
                ClientFrame.newBuilder()
                    .setId("del")
                    .setDeleteForMe(
                        dev.warbler.protocol.v1.DeleteForMe.newBuilder()
                            .setConversation("d:ann:ben")
                            .setSeq(1))
                    .build());
        assertThat(deleted.hasDeletedForMe()).as(deleted.toString()).isTrue();
      }

      JsonNode usage = server.call("GET", "/v1/apps/default/usage", null).body();

      // "hi" and the chatroom message; the recall's CHANGE entry and the delete are not messages.
      assertThat(usage.get("messagesSent").asLong()).isEqualTo(2);
      // Only stored messages have stored bytes: "hi".
      assertThat(usage.get("storedBytes").asLong()).isEqualTo(2);
      assertThat(usage.get("days").get(today.getDayOfMonth() - 1).get("messagesSent").asLong())
          .isEqualTo(2);
      assertThat(usage.get("monthlyActiveUsers").asLong()).isEqualTo(2);
    }
  }

  @Test
  void usageCountsMessagesSentToAGroupButNotTheEventsOfItsChanges() {
    try (TestServer server = TestServer.start(dir.resolve("metered-groups"))) {
      for (String u : List.of("ann", "ben", "cat")) {
        server.createUser("default", u);
      }
      TestServer.Reply created =
          server.call(
              "POST",
              "/v1/apps/default/groups",
              Map.of("id", "team", "owner", "ann", "members", List.of("ben")));
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      server.call("POST", "/v1/apps/default/groups/team/members", Map.of("users", List.of("cat")));
      TestServer.Reply fromBen =
          server.call(
              "POST",
              "/v1/apps/default/messages",
              Map.of("from", "ben", "group", "team", "text", "yo"));
      TestServer.Reply fromBackend =
          server.call(
              "POST", "/v1/apps/default/messages", Map.of("group", "team", "text", "sale!"));
      assertThat(fromBen.body().get("seq").asLong()).isEqualTo(3);
      assertThat(fromBackend.body().get("seq").asLong()).isEqualTo(4);

      JsonNode usage = server.call("GET", "/v1/apps/default/usage", null).body();

      // ben's and the backend's; group_created (1) and member_joined (2) were sent by nobody.
      assertThat(usage.get("messagesSent").asLong()).isEqualTo(2);
      assertThat(usage.get("monthlyActiveUsers").asLong()).isEqualTo(1);
      // The events are stored, so they take space.
      assertThat(usage.get("storedBytes").asLong()).isGreaterThan(2 + 5);
    }
  }

  @Test
  void usageIsMeteredPerDayAndStillCountsEarlierMessagesAfterARestart() {
    Path data = dir.resolve("metered");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String month = YearMonth.from(today).toString();
    JsonNode first;
    try (TestServer server = TestServer.start(data)) {
      for (String u : List.of("ann", "ben", "cat")) {
        server.createUser("default", u);
      }
      try (RawClient ann = login(server, "ann");
          RawClient annAgain = login(server, "ann")) {
        sendAs(server, "ben", "cat", "héllo");
        sendAs(server, "ben", "cat", "two");
        TestServer.Reply system =
            server.call(
                "POST",
                "/v1/apps/default/messages",
                Map.of("to", "cat", "text", "ok", "payload", Map.of("k", 1)));
        assertThat(system.status()).isEqualTo(201);

        first = server.call("GET", "/v1/apps/default/usage?month=" + month, null).body();
      }
    }
    long bytes = 6 + 3 + 2 + "{\"k\":1}".length();
    assertThat(first.get("app").asText()).isEqualTo("default");
    assertThat(first.get("month").asText()).isEqualTo(month);
    assertThat(first.get("users").asLong()).isEqualTo(3);
    assertThat(first.get("dailyActiveUsers").asLong()).isEqualTo(2);
    assertThat(first.get("monthlyActiveUsers").asLong()).isEqualTo(2);
    assertThat(first.get("messagesSent").asLong()).isEqualTo(3);
    assertThat(first.get("peakConnections").asLong()).isEqualTo(2);
    assertThat(first.get("storedBytes").asLong()).isEqualTo(bytes);
    JsonNode days = first.get("days");
    assertThat(days).hasSize(today.getDayOfMonth());
    JsonNode todayFigures = days.get(today.getDayOfMonth() - 1);
    assertThat(todayFigures.get("day").asText()).isEqualTo(today.toString());
    assertThat(todayFigures.get("activeUsers").asLong()).isEqualTo(2);
    assertThat(todayFigures.get("messagesSent").asLong()).isEqualTo(3);
    assertThat(todayFigures.get("peakConnections").asLong()).isEqualTo(2);

    try (TestServer again = TestServer.start(data)) {
      sendAs(again, "cat", "ben", "back");
      JsonNode after = again.call("GET", "/v1/apps/default/usage", null).body();
      assertThat(after.get("month").asText()).isEqualTo(month);
      assertThat(after.get("messagesSent").asLong()).isEqualTo(4);
      assertThat(after.get("monthlyActiveUsers").asLong()).isEqualTo(3);
      assertThat(after.get("storedBytes").asLong()).isEqualTo(bytes + 4);
      assertThat(after.get("peakConnections").asLong()).isEqualTo(2);

      JsonNode past = again.call("GET", "/v1/apps/default/usage?month=2000-02", null).body();
      assertThat(past.get("days")).hasSize(29);
      assertThat(past.get("messagesSent").asLong()).isZero();
      assertThat(past.get("storedBytes").asLong()).isEqualTo(bytes + 4);
      JsonNode future = again.call("GET", "/v1/apps/default/usage?month=9999-12", null).body();
      assertThat(future.get("days")).isEmpty();
      assertProblem(
          again.call("GET", "/v1/apps/default/usage?month=june", null),
          400,
          "INVALID_ARGUMENT",
          1004);
    }
  }
}
