package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chatroom, contact and conversation-list REST operations against a real node. */
class RoomsContactsRestTest {
  private static final String APP = "default";
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static TestServer node;
  static String otherAppKey;

  @BeforeAll
  static void start() {
    node = TestServer.start(dir, Map.of(Setting.CHATROOM_MAX_PRESENT, "100"));
    otherAppKey =
        node.call("POST", "/v1/apps", Map.of("id", "elsewhere")).body().get("secret").asText();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String newUser() {
    String id = "u" + ids.incrementAndGet();
    node.createUser(APP, id);
    return id;
  }

  private static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  private static void assertProblem(TestServer.Reply r, int status, String name) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.body().get("title").asText()).isEqualTo(name);
  }

  private static TestServer.Reply sendDirect(String from, String to, String text) {
    return node.call(
        "POST", "/v1/apps/" + APP + "/messages", Map.of("from", from, "to", to, "text", text));
  }

  private static RawClient login(String user) {
    RawClient c = RawClient.connect(node.ws(), Encoding.PROTO);
    ServerFrame ok =
        c.request(
            ClientFrame.newBuilder()
                .setId("a")
                .setAuth(Auth.newBuilder().setToken(node.token(APP, user)))
                .build());
    assertThat(ok.hasAuthOk()).as(ok.toString()).isTrue();
    return c;
  }

  // ---- chatrooms ---------------------------------------------------------------------------

  @Test
  void aBackendCreatesARoomSendsToThosePresentAndDeletesIt() {
    TestServer.Reply created =
        node.call(
            "POST",
            "/v1/apps/" + APP + "/chatrooms",
            Map.of("id", "town-hall", "name", "Town hall", "maxMembers", 50));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.body().get("conversation").asText()).isEqualTo("r:town-hall");
    assertThat(created.body().get("maxMembers").asInt()).isEqualTo(50);
    assertProblem(
        node.call("POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", "town-hall")),
        409,
        "ALREADY_EXISTS");

    try (RawClient listener = login(newUser())) {
      ServerFrame joined =
          listener.request(
              ClientFrame.newBuilder()
                  .setId("j")
                  .setJoinChatroom(JoinChatroom.newBuilder().setRoom("town-hall"))
                  .build());
      assertThat(joined.hasChatroomJoined()).as(joined.toString()).isTrue();

      TestServer.Reply system =
          node.call(
              "POST",
              "/v1/apps/" + APP + "/chatrooms/town-hall/messages",
              Map.of("text", "doors open"));
      String speaker = newUser();
      TestServer.Reply asUser =
          node.call(
              "POST",
              "/v1/apps/" + APP + "/chatrooms/town-hall/messages",
              Map.of("from", speaker, "text", "hello, hall", "clientMsgId", "speech-1"));
      TestServer.Reply resent =
          node.call(
              "POST",
              "/v1/apps/" + APP + "/chatrooms/town-hall/messages",
              Map.of("from", speaker, "text", "hello, hall", "clientMsgId", "speech-1"));

      assertThat(system.status()).as(system.toString()).isEqualTo(201);
      assertThat(system.body().get("seq").asLong()).isEqualTo(1);
      assertThat(asUser.body().get("seq").asLong()).isEqualTo(2);
      assertThat(resent.body().get("duplicate").asBoolean()).isTrue();
      assertThat(resent.body().get("seq").asLong()).isEqualTo(2);
      assertThat(asUser.body().get("epoch").asLong())
          .isEqualTo(joined.getChatroomJoined().getEpoch());
      ChatroomMessage first =
          listener
              .await(ServerFrame::hasChatroomMessage, Duration.ofSeconds(5))
              .getChatroomMessage();
      ChatroomMessage second =
          listener
              .await(ServerFrame::hasChatroomMessage, Duration.ofSeconds(5))
              .getChatroomMessage();
      assertThat(first.getMessage().getFrom()).isEmpty();
      assertThat(first.getMessage().getType().name()).isEqualTo("SYSTEM");
      assertThat(second.getMessage().getFrom()).isEqualTo(speaker);

      TestServer.Reply status = node.call("GET", "/v1/apps/" + APP + "/chatrooms/town-hall", null);
      assertThat(status.body().get("present").asInt()).isEqualTo(1);
      assertThat(status.body().get("lastSeq").asLong()).isEqualTo(2);

      assertThat(node.call("DELETE", "/v1/apps/" + APP + "/chatrooms/town-hall", null).status())
          .isEqualTo(204);
      assertThat(listener.await(ServerFrame::hasChatroomLeft, Duration.ofSeconds(5)).getId())
          .isEmpty();
    }
    assertProblem(
        node.call("GET", "/v1/apps/" + APP + "/chatrooms/town-hall", null), 404, "NOT_FOUND");
    assertProblem(
        node.call(
            "POST", "/v1/apps/" + APP + "/chatrooms/town-hall/messages", Map.of("text", "anyone?")),
        404,
        "NOT_FOUND");
  }

  @Test
  void badChatroomRequestsGetCatalogErrors() {
    node.call("POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", "lobby"));

    assertProblem(
        node.call("POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", "bad id")),
        400,
        "INVALID_ARGUMENT");
    assertProblem(
        node.call(
            "POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", "huge", "maxMembers", 101)),
        400,
        "INVALID_ARGUMENT");
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/" + APP + "/chatrooms/lobby/messages",
            Map.of("from", "ghost", "text", "boo")),
        404,
        "USER_NOT_FOUND");
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/" + APP + "/chatrooms/lobby/messages",
            Map.of("from", newUser(), "type", "SYSTEM", "text", "fake")),
        403,
        "FORBIDDEN");
    assertProblem(
        node.call("POST", "/v1/apps/" + APP + "/chatrooms/lobby/messages", Map.of("text", "")),
        400,
        "INVALID_ARGUMENT");
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/" + APP + "/messages",
            Map.of("conversation", "r:lobby", "text", "not like this")),
        400,
        "INVALID_ARGUMENT");
  }

  // ---- conversation list -------------------------------------------------------------------

  @Test
  void aUsersConversationsArePagedWithTheUniformPageShape() {
    String hub = newUser();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String other = newUser();
      sendDirect(other, hub, "hello " + i);
      expected.add(direct(hub, other));
    }

    List<String> seen = new ArrayList<>();
    String cursor = "";
    int pages = 0;
    JsonNode last = null;
    do {
      TestServer.Reply page =
          node.call(
              "GET",
              "/v1/apps/" + APP + "/users/" + hub + "/conversations?limit=2&cursor=" + cursor,
              null);
      assertThat(page.status()).as(page.toString()).isEqualTo(200);
      page.body().get("items").forEach(c -> seen.add(c.get("conversation").asText()));
      last = page.body();
      cursor = page.body().has("nextCursor") ? page.body().get("nextCursor").asText() : "";
      pages++;
    } while (!cursor.isEmpty());

    assertThat(pages).isEqualTo(3);
    assertThat(last.has("nextCursor")).isFalse();
    assertThat(seen).containsExactlyElementsOf(expected.stream().sorted().toList());
    JsonNode first =
        node.call("GET", "/v1/apps/" + APP + "/users/" + hub + "/conversations?limit=1", null)
            .body()
            .get("items")
            .get(0);
    assertThat(first.get("unread").asLong()).isEqualTo(1);
    assertThat(first.get("lastMessage").get("text").asText()).startsWith("hello");
    assertThat(first.get("pinned").asBoolean()).isFalse();
    assertProblem(
        node.call("GET", "/v1/apps/" + APP + "/users/" + hub + "/conversations?cursor=x:y:z", null),
        400,
        "INVALID_ARGUMENT");
  }

  @Test
  void aBackendReadsAndChangesAUsersConversationSettings() {
    String alice = newUser();
    String bob = newUser();
    sendDirect(alice, bob, "hi");
    String path = "/v1/apps/" + APP + "/users/" + alice + "/conversations/" + direct(alice, bob);

    Map<String, Object> change = new HashMap<>();
    change.put("pinned", true);
    change.put("muted", true);
    change.put("custom", Map.of("label", "vip"));
    TestServer.Reply updated = node.call("PATCH", path, change);
    TestServer.Reply read = node.call("GET", path, null);
    Map<String, Object> clear = new HashMap<>();
    clear.put("custom", null);
    TestServer.Reply cleared = node.call("PATCH", path, clear);

    assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
    assertThat(read.body().get("pinned").asBoolean()).isTrue();
    assertThat(read.body().get("muted").asBoolean()).isTrue();
    assertThat(read.body().get("archived").asBoolean()).isFalse();
    assertThat(read.body().get("custom").get("label").asText()).isEqualTo("vip");
    assertThat(read.body().get("lastSeq").asLong()).isEqualTo(1);
    assertThat(cleared.body().has("custom")).isFalse();
    assertThat(cleared.body().get("pinned").asBoolean()).isTrue();
    assertProblem(node.call("PATCH", path, Map.of("custom", List.of(1))), 400, "INVALID_ARGUMENT");
  }

  @Test
  void aConversationStateCarriesTheLifecycleCountsAndTheUsersSettingsEverywhere() {
    String alice = newUser();
    String bob = newUser();
    String conversation = direct(alice, bob);
    TestServer.Reply sent =
        node.call(
            "POST",
            "/v1/apps/" + APP + "/messages",
            Map.of("from", alice, "to", bob, "text", "lunch?", "mentions", List.of(bob)));
    assertThat(sent.status()).as(sent.toString()).isEqualTo(201);
    TestServer.Reply edited =
        node.call(
            "POST",
            "/v1/apps/" + APP + "/conversations/" + conversation + "/messages/1/edit",
            Map.of("by", alice, "text", "lunch at noon?"));
    assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
    String path = "/v1/apps/" + APP + "/users/" + bob + "/conversations/" + conversation;

    JsonNode patched = node.call("PATCH", path, Map.of("pinned", true)).body();
    JsonNode read = node.call("GET", path, null).body();
    JsonNode listed =
        node.call("GET", "/v1/apps/" + APP + "/users/" + bob + "/conversations", null)
            .body()
            .get("items")
            .get(0);

    for (JsonNode state : List.of(patched, read, listed)) {
      assertThat(state.get("lastSeq").asLong()).as(state.toString()).isEqualTo(2);
      assertThat(state.get("unread").asLong()).as("the edit is no unread message").isEqualTo(1);
      assertThat(state.get("mentioned").asBoolean()).as(state.toString()).isTrue();
      assertThat(state.get("pinned").asBoolean()).as(state.toString()).isTrue();
      assertThat(state.get("lastMessage").get("seq").asLong()).isEqualTo(1);
      assertThat(state.get("lastMessage").get("text").asText()).isEqualTo("lunch at noon?");
    }
    try (RawClient device = login(bob)) {
      ServerFrame synced =
          device.request(
              ClientFrame.newBuilder().setId("s").setSync(Sync.getDefaultInstance()).build());
      ConversationState state = synced.getSyncResult().getConversations(0);
      assertThat(state.getUnread()).isEqualTo(1);
      assertThat(state.getMentioned()).isTrue();
      assertThat(state.getPinned()).isTrue();
      assertThat(state.getLastMessage().getSeq()).isEqualTo(1);
    }
  }

  @Test
  void aChatroomMessageTakesNoReplyOrMentionsBecauseItIsNotStored() {
    node.call("POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", "quiet-room"));
    String speaker = newUser();
    try (RawClient device = login(speaker)) {
      device.request(
          ClientFrame.newBuilder()
              .setId("j")
              .setJoinChatroom(JoinChatroom.newBuilder().setRoom("quiet-room"))
              .build());
      ServerFrame refused =
          device.request(
              ClientFrame.newBuilder()
                  .setId("m")
                  .setSend(
                      Send.newBuilder()
                          .setClientMsgId("c-1")
                          .setChatroom("quiet-room")
                          .setText("hi all")
                          .setMentionAll(true))
                  .build());
      ServerFrame plain =
          device.request(
              ClientFrame.newBuilder()
                  .setId("p")
                  .setSend(
                      Send.newBuilder()
                          .setClientMsgId("c-2")
                          .setChatroom("quiet-room")
                          .setText("hi all"))
                  .build());

      assertThat(refused.getError().getName()).as(refused.toString()).isEqualTo("INVALID_ARGUMENT");
      assertThat(plain.getSendAck().getSeq()).as(plain.toString()).isEqualTo(1);
    }
  }

  @Test
  void aConversationOfOtherUsersIsNotMemberAndAnotherAppsKeyIsWrongApp() {
    String alice = newUser();
    String bob = newUser();
    String carol = newUser();
    sendDirect(alice, bob, "between us");
    String carolsView =
        "/v1/apps/" + APP + "/users/" + carol + "/conversations/" + direct(alice, bob);

    assertProblem(node.call("GET", carolsView, null), 403, "NOT_MEMBER");
    assertProblem(node.call("PATCH", carolsView, Map.of("pinned", true)), 403, "NOT_MEMBER");
    for (String[] op :
        new String[][] {
          {"GET", "/v1/apps/" + APP + "/users/" + alice + "/conversations"},
          {"GET", "/v1/apps/" + APP + "/users/" + alice + "/friends"},
          {"GET", "/v1/apps/" + APP + "/users/" + alice + "/blocks"},
          {"DELETE", "/v1/apps/" + APP + "/users/" + alice + "/blocks/" + bob},
          {"GET", "/v1/apps/" + APP + "/chatrooms/any"},
          {"DELETE", "/v1/apps/" + APP + "/chatrooms/any"}
        }) {
      assertProblem(node.call(op[0], op[1], null, otherAppKey), 401, "WRONG_APP");
    }
    assertProblem(
        node.call("POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", "x"), otherAppKey),
        401,
        "WRONG_APP");
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/" + APP + "/users/" + alice + "/blocks",
            Map.of("user", bob),
            otherAppKey),
        401,
        "WRONG_APP");
  }

  // ---- contacts ----------------------------------------------------------------------------

  @Test
  void aBlockedUsersDirectMessagesAreRefusedUntilTheBackendUnblocksIt() {
    String alice = newUser();
    String mallory = newUser();

    TestServer.Reply blocked =
        node.call(
            "POST", "/v1/apps/" + APP + "/users/" + alice + "/blocks", Map.of("user", mallory));

    assertThat(blocked.status()).as(blocked.toString()).isEqualTo(200);
    assertThat(blocked.body().get("blocked").asBoolean()).isTrue();
    assertProblem(sendDirect(mallory, alice, "hey"), 403, "BLOCKED");
    assertThat(sendDirect(mallory, alice, "hey").body().get("code").asInt()).isEqualTo(3002);
    JsonNode list =
        node.call("GET", "/v1/apps/" + APP + "/users/" + alice + "/blocks", null).body();
    assertThat(list.get("items").get(0).get("user").asText()).isEqualTo(mallory);
    assertThat(list.has("nextCursor")).isFalse();

    assertThat(
            node.call("DELETE", "/v1/apps/" + APP + "/users/" + alice + "/blocks/" + mallory, null)
                .status())
        .isEqualTo(204);

    assertThat(sendDirect(mallory, alice, "sorry").status()).isEqualTo(201);
  }

  @Test
  void aBackendMakesFriendsListsThemAndEndsTheFriendship() {
    String alice = newUser();
    List<String> friends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String f = newUser();
      friends.add(f);
      TestServer.Reply added =
          node.call("POST", "/v1/apps/" + APP + "/users/" + alice + "/friends", Map.of("user", f));
      assertThat(added.body().get("friend").asBoolean()).isTrue();
    }

    TestServer.Reply page1 =
        node.call("GET", "/v1/apps/" + APP + "/users/" + alice + "/friends?limit=2", null);
    String next = page1.body().get("nextCursor").asText();
    TestServer.Reply page2 =
        node.call(
            "GET", "/v1/apps/" + APP + "/users/" + alice + "/friends?limit=2&cursor=" + next, null);

    List<String> seen = new ArrayList<>();
    page1.body().get("items").forEach(n -> seen.add(n.get("user").asText()));
    page2.body().get("items").forEach(n -> seen.add(n.get("user").asText()));
    assertThat(seen).containsExactlyElementsOf(friends.stream().sorted().toList());
    assertThat(page2.body().has("nextCursor")).isFalse();
    String gone = friends.get(0);
    assertThat(
            node.call("DELETE", "/v1/apps/" + APP + "/users/" + gone + "/friends/" + alice, null)
                .status())
        .isEqualTo(204);
    assertThat(
            node.call("GET", "/v1/apps/" + APP + "/users/" + alice + "/friends", null)
                .body()
                .get("items"))
        .hasSize(2);
    assertProblem(
        node.call(
            "POST", "/v1/apps/" + APP + "/users/" + alice + "/friends", Map.of("user", alice)),
        400,
        "INVALID_ARGUMENT");
    assertProblem(
        node.call("GET", "/v1/apps/" + APP + "/users/nobody/friends", null), 404, "USER_NOT_FOUND");
  }
}
