package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.CreateGroup;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.UpdateGroup;
import dev.warbler.server.Setting;
import dev.warbler.server.cluster.TestCluster.Node;
import dev.warbler.server.cluster.TestCluster.Reply;
import dev.warbler.testkit.RawClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sensitive-word filter end to end over real sockets, on two nodes sharing one store: words are
 * managed over REST on node A, users send through node B (so every check also shows that B picked
 * up A's change), recipients read what was stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModerationTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String APP = "default";
  private static final String OTHER = "rival";
  private static final String WORDS = "/v1/apps/" + APP + "/moderation/words";
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  TestCluster cluster;
  Node a;
  Node b;
  String otherSecret;
  private final List<RawClient> clients = new ArrayList<>();

  /** Settings of the store the nodes share: SQLite in the shared data directory here. */
  protected Map<Setting, String> storeSettings() {
    return Map.of();
  }

  @BeforeAll
  void start() {
    Map<Setting, String> settings = new HashMap<>(storeSettings());
    settings.put(Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "0");
    settings.put(Setting.LIMITS_RATE_USER_PER_SECOND, "0");
    settings.put(Setting.MODERATION_REFRESH_MILLIS, "50");
    settings.put(Setting.MODERATION_MAX_WORDS_PER_REQUEST, "100");
    settings.put(Setting.MODERATION_MAX_WORDS_PER_APP, "150");
    cluster = TestCluster.start(dir, 2, settings);
    a = cluster.node(0);
    b = cluster.node(1);
    otherSecret =
        a.expect(201, "POST", "/v1/apps", Map.of("id", OTHER, "name", "Rival"))
            .get("secret")
            .asText();
    for (String app : List.of(APP, OTHER)) {
      for (String u : List.of("alice", "bob")) {
        a.createUser(app, u);
      }
    }
  }

  @AfterAll
  void stop() {
    clients.forEach(RawClient::close);
    cluster.close();
  }

  private RawClient login(Node node, String app, String user) {
    RawClient c = node.login(app, user);
    clients.add(c);
    return c;
  }

  /** Adds words on node A and waits until node B compiled that list version. */
  private JsonNode addWords(Object... wordActionCategory) {
    List<Map<String, String>> words = new ArrayList<>();
    for (int i = 0; i < wordActionCategory.length; i += 3) {
      words.add(
          Map.of(
              "word", (String) wordActionCategory[i],
              "action", (String) wordActionCategory[i + 1],
              "category", (String) wordActionCategory[i + 2]));
    }
    JsonNode changed = a.expect(200, "POST", WORDS, Map.of("words", words));
    awaitVersionOnB(changed.get("version").asLong());
    return changed;
  }

  private void awaitVersionOnB(long version) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long seen =
          b.expect(200, "GET", "/v1/apps/" + APP + "/moderation/settings", null)
              .get("version")
              .asLong();
      if (seen >= version) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("node B still has list version " + seen + ", not " + version);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static ServerFrame send(RawClient from, String to, String text) {
    return from.request(
        ClientFrame.newBuilder()
            .setId("r" + ids.incrementAndGet())
            .setSend(
                Send.newBuilder()
                    .setClientMsgId("m" + ids.incrementAndGet())
                    .setUser(to)
                    .setText(text))
            .build(),
        WAIT);
  }

  private static Message nextMessage(RawClient c) {
    return c.await(f -> f.hasMessage() && !f.getMessage().hasChange(), WAIT).getMessage();
  }

  @Test
  void aMaskedWordIsStoredMaskedAndTheRecipientSeesTheMask() {
    addWords("badword", "mask", "abuse");
    RawClient alice = login(b, APP, "alice");
    RawClient bob = login(a, APP, "bob");

    ServerFrame ack = send(alice, "bob", "you are a Ｂ*a d·word, ok");

    assertThat(ack.hasSendAck()).as(ack.toString()).isTrue();
    Message got = nextMessage(bob);
    assertThat(got.getText()).isEqualTo("you are a *** *·****, ok");
    JsonNode history =
        a.expect(200, "GET", "/v1/apps/" + APP + "/conversations/d:alice:bob/messages", null);
    assertThat(history.get("messages").findValuesAsText("text"))
        .contains("you are a *** *·****, ok")
        .noneMatch(t -> t.contains("word,"));
  }

  @Test
  void aRejectedWordRefusesTheSendNamingTheCategoryButNotTheWord() {
    addWords("炸弹", "reject", "violence");
    RawClient alice = login(b, APP, "alice");

    ServerFrame refused = send(alice, "bob", "我有一个炸 彈!"); // traditional, separated

    assertThat(refused.hasError()).as(refused.toString()).isTrue();
    assertThat(refused.getError().getCode()).isEqualTo(3010);
    assertThat(refused.getError().getName()).isEqualTo("CONTENT_REJECTED");
    assertThat(refused.getError().getMessage()).contains("violence").doesNotContain("炸");
    JsonNode history =
        a.expect(200, "GET", "/v1/apps/" + APP + "/conversations/d:alice:bob/messages", null);
    assertThat(history.get("messages").findValuesAsText("text")).noneMatch(t -> t.contains("我有"));
  }

  @Test
  void aReviewWordDeliversTheMessageAndQueuesItForApprovalOrRecall() {
    addWords("casino", "review", "gambling");
    RawClient alice = login(b, APP, "alice");
    RawClient bob = login(a, APP, "bob");

    ServerFrame kept = send(alice, "bob", "best c a s i n o in town");
    ServerFrame dropped = send(alice, "bob", "CASINO bonus 100%");

    assertThat(kept.hasSendAck()).as(kept.toString()).isTrue();
    assertThat(nextMessage(bob).getText()).isEqualTo("best c a s i n o in town");
    assertThat(nextMessage(bob).getText()).isEqualTo("CASINO bonus 100%");
    JsonNode pending =
        a.expect(200, "GET", "/v1/apps/" + APP + "/moderation/reviews?limit=100", null);
    Map<Long, JsonNode> bySeq = new HashMap<>();
    pending.get("items").forEach(i -> bySeq.put(i.get("seq").asLong(), i));
    JsonNode keptItem = bySeq.get(kept.getSendAck().getSeq());
    JsonNode droppedItem = bySeq.get(dropped.getSendAck().getSeq());
    assertThat(keptItem.get("categories").toString()).isEqualTo("[\"gambling\"]");
    assertThat(keptItem.get("sender").asText()).isEqualTo("alice");
    assertThat(keptItem.get("message").get("text").asText()).isEqualTo("best c a s i n o in town");
    String reviews = "/v1/apps/" + APP + "/moderation/reviews/";

    JsonNode approved =
        b.expect(200, "POST", reviews + keptItem.get("id").asText() + "/approve", null);
    JsonNode rejected =
        b.expect(200, "POST", reviews + droppedItem.get("id").asText() + "/reject", null);

    assertThat(approved.get("status").asText()).isEqualTo("approved");
    assertThat(approved.get("decidedBy").asText()).isEqualTo("admin");
    assertThat(rejected.get("status").asText()).isEqualTo("rejected");
    assertThat(rejected.get("message").get("recalled").asBoolean()).isTrue();
    Message recall =
        bob.await(f -> f.hasMessage() && f.getMessage().hasChange(), WAIT).getMessage();
    assertThat(recall.getChange().getTargetSeq()).isEqualTo(dropped.getSendAck().getSeq());
    Reply again = a.call("POST", reviews + keptItem.get("id").asText() + "/reject", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(a.call("POST", reviews + "no-such-item/approve", null).status()).isEqualTo(404);
    JsonNode stillPending = a.expect(200, "GET", "/v1/apps/" + APP + "/moderation/reviews", null);
    assertThat(stillPending.get("items").findValuesAsText("id"))
        .doesNotContain(keptItem.get("id").asText(), droppedItem.get("id").asText());
    JsonNode audit = a.expect(200, "GET", "/v1/audit?app=" + APP + "&limit=1000", null);
    assertThat(audit.get("items").findValuesAsText("action"))
        .contains("moderation.words.add", "moderation.review.approve", "moderation.review.reject");
  }

  @Test
  void anEditIsScreenedLikeASend() {
    addWords("editmask", "mask", "", "editban", "reject", "spam");
    RawClient alice = login(b, APP, "alice");
    long seq = send(alice, "bob", "harmless").getSendAck().getSeq();
    String edit = "/v1/apps/" + APP + "/conversations/d:alice:bob/messages/" + seq + "/edit";

    Reply refused = b.call("POST", edit, Map.of("by", "alice", "text", "now EDITBAN"));
    Reply masked = b.call("POST", edit, Map.of("by", "alice", "text", "now edit-mask"));

    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.body().get("title").asText()).isEqualTo("CONTENT_REJECTED");
    assertThat(masked.status()).as(masked.toString()).isEqualTo(200);
    JsonNode history =
        a.expect(200, "GET", "/v1/apps/" + APP + "/conversations/d:alice:bob/messages", null);
    List<String> texts = new ArrayList<>();
    history
        .get("messages")
        .forEach(m -> {
          if (m.get("seq").asLong() == seq) {
            texts.add(m.get("text").asText());
          }
        });
    assertThat(texts).containsExactly("now ****-****");
  }

  @Test
  void groupNamesAndDescriptionsUsersGiveAreScreenedButTheBackendsAreNot() {
    addWords("groupmask", "mask", "", "groupban", "reject", "ads");
    RawClient alice = login(b, APP, "alice");

    ServerFrame created =
        group(
            alice,
            GroupCommand.newBuilder()
                .setGroup("g-mod")
                .setCreate(
                    CreateGroup.newBuilder()
                        .setName("the GroupMask club")
                        .setDescription("no groupmask")
                        .addMembers("bob")));
    ServerFrame refused =
        group(
            alice,
            GroupCommand.newBuilder()
                .setGroup("g-mod")
                .setUpdate(UpdateGroup.newBuilder().setName("buy groupban")));

    assertThat(created.getGroupInfo().getName()).isEqualTo("the ********* club");
    assertThat(created.getGroupInfo().getDescription()).isEqualTo("no *********");
    assertThat(refused.getError().getName()).isEqualTo("CONTENT_REJECTED");
    JsonNode byBackend =
        a.expect(
            201,
            "POST",
            "/v1/apps/" + APP + "/groups",
            Map.of("id", "g-backend", "owner", "alice", "name", "groupmask official"));
    assertThat(byBackend.get("name").asText()).isEqualTo("groupmask official");
  }

  private static ServerFrame group(RawClient c, GroupCommand.Builder command) {
    return c.request(
        ClientFrame.newBuilder()
            .setId("g" + ids.incrementAndGet())
            .setGroupCommand(command)
            .build(),
        WAIT);
  }

  @Test
  void chatroomMessagesAreMaskedOrRefusedToo() {
    addWords("roomword", "mask", "", "roomban", "reject", "ads");
    a.expect(201, "POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", "live", "name", "Live"));
    RawClient bob = login(b, APP, "bob");
    ServerFrame joined =
        bob.request(
            ClientFrame.newBuilder()
                .setId("j" + ids.incrementAndGet())
                .setJoinChatroom(JoinChatroom.newBuilder().setRoom("live"))
                .build(),
            WAIT);
    assertThat(joined.hasChatroomJoined()).as(joined.toString()).isTrue();
    String messages = "/v1/apps/" + APP + "/chatrooms/live/messages";

    a.expect(201, "POST", messages, Map.of("from", "alice", "text", "a ROOMWORD here"));
    Reply refused = a.call("POST", messages, Map.of("from", "alice", "text", "buy roomban"));

    assertThat(
            bob.await(ServerFrame::hasChatroomMessage, WAIT)
                .getChatroomMessage()
                .getMessage()
                .getText())
        .isEqualTo("a ******** here");
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.body().get("title").asText()).isEqualTo("CONTENT_REJECTED");
    assertThat(refused.body().get("detail").asText()).contains("ads").doesNotContain("roomban");
  }

  @Test
  void oneAppsWordsNeverApplyToAnotherAndItsListAndQueueAreClosedToIt() {
    addWords("secretword", "reject", "");
    RawClient rivalAlice = login(b, OTHER, "alice");

    ServerFrame ack = send(rivalAlice, "bob", "secretword is fine here");

    assertThat(ack.hasSendAck()).as(ack.toString()).isTrue();
    assertThat(asApp("GET", WORDS, null).status()).isEqualTo(401);
    assertThat(asApp("GET", "/v1/apps/" + APP + "/moderation/reviews", null).status())
        .isEqualTo(401);
    assertThat(
            asApp("POST", WORDS, Map.of("words", List.of(Map.of("word", "x", "action", "mask"))))
                .status())
        .isEqualTo(401);
    Reply own = asApp("GET", "/v1/apps/" + OTHER + "/moderation/words", null);
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.body().get("items")).isEmpty();
  }

  @Test
  void badWordRequestsGetClearErrorsAndChangeNothing() {
    long before = wordCount();
    String huge = "x".repeat(65);

    assertError(Map.of("words", List.of(Map.of("word", huge))), 400, "moderation.max-word-chars");
    assertError(Map.of("words", List.of()), 400, "must not be empty");
    assertError(Map.of("words", List.of(Map.of("word", "*** ..."))), 400, "letter or digit");
    assertError(Map.of("words", List.of(Map.of("word", "ok", "action", "ban"))), 400, "mask");
    assertError(Map.of("nothing", 1), 400, "");
    assertError("{\"words\":[{\"word\":\"a\\ud800b\"}]}", 400, "surrogate");
    List<Map<String, String>> tooMany = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      tooMany.add(Map.of("word", "many" + i));
    }
    assertError(Map.of("words", tooMany), 422, "moderation.max-words-per-request");
    List<Map<String, String>> hundred = new ArrayList<>(tooMany.subList(0, 100));
    a.expect(200, "POST", WORDS, Map.of("words", hundred));
    List<Map<String, String>> overflow = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      overflow.add(Map.of("word", "over" + i));
    }
    assertError(Map.of("words", overflow), 422, "moderation.max-words-per-app");

    assertThat(wordCount()).isEqualTo(before + 100);
    JsonNode deleted =
        a.expect(
            200,
            "POST",
            WORDS + "/delete",
            Map.of("words", hundred.stream().map(w -> w.get("word")).toList()));
    assertThat(deleted.get("changed").asInt()).isEqualTo(100);
    assertThat(wordCount()).isEqualTo(before);
  }

  @Test
  void listsArePagedAndFilteredAndAnImportReplacesThemAll() {
    addWords("pagea", "mask", "", "pageb", "mask", "", "pagec", "mask", "");
    JsonNode page1 = a.expect(200, "GET", WORDS + "?prefix=page&limit=1", null);
    assertThat(page1.get("items")).hasSize(1);
    String cursor = page1.get("nextCursor").asText();
    JsonNode page2 = a.expect(200, "GET", WORDS + "?prefix=page&limit=2&cursor=" + cursor, null);
    assertThat(page1.get("items").findValuesAsText("word")).containsExactly("pagea");
    assertThat(page2.get("items").findValuesAsText("word")).containsExactly("pageb", "pagec");

    Reply imported =
        call(
            a,
            "PUT",
            "/v1/apps/" + OTHER + "/moderation/words",
            Map.of(
                "words",
                List.of(
                    Map.of("word", "Apple", "category", "fruit"),
                    Map.of("word", "apricot", "category", "fruit"),
                    Map.of("word", "蘋果", "action", "reject", "category", "fruit"),
                    Map.of("word", "bean", "category", "veg"))),
            otherSecret);
    assertThat(imported.status()).as(imported.toString()).isEqualTo(200);
    JsonNode ap = asAppJson("/v1/apps/" + OTHER + "/moderation/words?prefix=AP");
    assertThat(ap.get("items").findValuesAsText("word")).containsExactly("apple", "apricot");
    JsonNode fruit = asAppJson("/v1/apps/" + OTHER + "/moderation/words?category=fruit");
    assertThat(fruit.get("items").findValuesAsText("word"))
        .containsExactlyInAnyOrder("apple", "apricot", "苹果");
    JsonNode export = asAppJson("/v1/apps/" + OTHER + "/moderation/words/export");
    assertThat(export.get("items").findValuesAsText("action"))
        .containsExactly("mask", "mask", "mask", "reject");

    Reply cleared =
        call(
            a,
            "PUT",
            "/v1/apps/" + OTHER + "/moderation/words",
            Map.of("words", List.of()),
            otherSecret);
    assertThat(cleared.body().get("total").asInt()).isZero();
  }

  @Test
  void aDisabledFilterLetsEverythingThroughAndTheDefaultActionApplies() {
    String settings = "/v1/apps/" + OTHER + "/moderation/settings";
    call(a, "PUT", settings, Map.of("defaultAction", "reject"), otherSecret);
    Reply added =
        call(
            a,
            "POST",
            "/v1/apps/" + OTHER + "/moderation/words",
            Map.of("words", List.of(Map.of("word", "forbidden"))),
            otherSecret);
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    RawClient bobOnA = login(a, OTHER, "bob");
    assertThat(send(bobOnA, "alice", "forbidden fruit").getError().getName())
        .isEqualTo("CONTENT_REJECTED");

    Reply off = call(a, "PUT", settings, Map.of("enabled", false), otherSecret);

    assertThat(off.body().get("enabled").asBoolean()).isFalse();
    assertThat(off.body().get("defaultAction").asText()).isEqualTo("reject");
    assertThat(send(bobOnA, "alice", "forbidden fruit").hasSendAck()).isTrue();
    call(a, "PUT", settings, Map.of("enabled", true, "defaultAction", "mask"), otherSecret);
    call(
        a,
        "POST",
        "/v1/apps/" + OTHER + "/moderation/words/delete",
        Map.of("words", List.of("forbidden")),
        otherSecret);
  }

  private long wordCount() {
    return a.expect(200, "GET", WORDS + "/export", null).get("items").size();
  }

  private void assertError(Object body, int status, String detail) {
    Reply r = call(a, "POST", WORDS, body, TestCluster.ADMIN_KEY);
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.body().get("detail").asText()).contains(detail);
  }

  private Reply asApp(String method, String path, Object body) {
    return call(a, method, path, body, otherSecret);
  }

  private JsonNode asAppJson(String path) {
    Reply r = asApp("GET", path, null);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.body();
  }

  /** A REST call with {@code key} instead of the admin key; a String body is sent as is. */
  private static Reply call(Node node, String method, String path, Object body, String key) {
    try {
      HttpRequest.BodyPublisher publisher =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : body instanceof String s
                  ? HttpRequest.BodyPublishers.ofString(s)
                  : HttpRequest.BodyPublishers.ofByteArray(
                      TestCluster.JSON.writeValueAsBytes(body));
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.server.httpPort() + path))
              .header("Authorization", "Bearer " + key)
              .header("Content-Type", "application/json")
              .method(method, publisher)
              .build();
      HttpResponse<String> r =
          HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
      boolean json = r.headers().firstValue("Content-Type").orElse("").contains("json");
      return new Reply(
          r.statusCode(),
          json && !r.body().isEmpty()
              ? TestCluster.JSON.readTree(r.body())
              : TestCluster.JSON.nullNode(),
          r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
