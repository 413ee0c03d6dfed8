package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** recallMessage, editMessage and the lifecycle fields of sendMessage and listMessages. */
class LifecycleRestApiTest {
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static TestServer node;

  @BeforeAll
  static void start() {
    node = TestServer.start(dir);
    for (String u : List.of("ann", "ben", "cat")) {
      node.createUser("default", u);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String newGroup() {
    String group = "rest" + ids.incrementAndGet();
    TestServer.Reply r =
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of("id", group, "owner", "ann", "members", List.of("ben", "cat")));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return group;
  }

  private static long send(String from, String group, Map<String, Object> extra) {
    Map<String, Object> body = new HashMap<>(extra);
    body.put("from", from);
    body.put("group", group);
    body.putIfAbsent("text", "text " + ids.incrementAndGet());
    TestServer.Reply r = node.call("POST", "/v1/apps/default/messages", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.body().get("seq").asLong();
  }

  private static String path(String group, long seq, String action) {
    return "/v1/apps/default/conversations/g:" + group + "/messages/" + seq + "/" + action;
  }

  /** The group's messages, oldest first: seq 1 is its group_created event. */
  private static List<JsonNode> messages(String group) {
    TestServer.Reply r =
        node.call("GET", "/v1/apps/default/conversations/g:" + group + "/messages", null);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.body().get("messages").valueStream().toList();
  }

  private static void assertProblem(TestServer.Reply r, int status, String name) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.body().get("title").asText()).isEqualTo(name);
    assertThat(r.body().get("detail").asText()).isNotBlank();
  }

  @Test
  void theSenderRecallsAndTheListShowsTheRecalledMessageAndTheChangeEntry() {
    String group = newGroup();
    long seq = send("ben", group, Map.of("text", "oops", "mentions", List.of("cat")));

    TestServer.Reply r = node.call("POST", path(group, seq, "recall"), Map.of("by", "ben"));

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.body().get("seq").asLong()).isEqualTo(seq + 1);
    assertThat(r.body().get("duplicate").asBoolean()).isFalse();
    List<JsonNode> list = messages(group);
    assertThat(list.get(0).get("payload").get("event").asText()).isEqualTo("group_created");
    JsonNode recalled = list.get(1);
    assertThat(recalled.get("recalled").asBoolean()).isTrue();
    assertThat(recalled.get("text").asText()).isEmpty();
    assertThat(recalled.has("mentions")).isFalse();
    JsonNode entry = list.get(2);
    assertThat(entry.get("type").asText()).isEqualTo("CHANGE");
    assertThat(entry.get("from").asText()).isEqualTo("ben");
    assertThat(entry.get("change").get("targetSeq").asLong()).isEqualTo(seq);
    assertThat(entry.get("change").has("recall")).isTrue();
    TestServer.Reply again = node.call("POST", path(group, seq, "recall"), null);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body().get("duplicate").asBoolean()).isTrue();
  }

  @Test
  void theAppBackendRecallsAnyMessageWithoutBy() {
    String group = newGroup();
    long seq = send("cat", group, Map.of());

    TestServer.Reply r = node.call("POST", path(group, seq, "recall"), null);

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode entry = messages(group).get(2);
    assertThat(entry.get("from").asText()).isEmpty();
    assertThat(messages(group).get(1).get("recalled").asBoolean()).isTrue();
  }

  @Test
  void aMemberCannotRecallOrEditAnothersMessageThroughTheApi() {
    String group = newGroup();
    long seq = send("ann", group, Map.of());

    assertProblem(
        node.call("POST", path(group, seq, "recall"), Map.of("by", "cat")), 403, "FORBIDDEN");
    assertProblem(
        node.call("POST", path(group, seq, "edit"), Map.of("by", "cat", "text", "mine now")),
        403,
        "FORBIDDEN");
    assertProblem(
        node.call("POST", path(group, seq, "recall"), Map.of("by", "nobody")),
        404,
        "USER_NOT_FOUND");
    // The group_created event and the message: no CHANGE entry.
    assertThat(messages(group)).hasSize(2);
  }

  @Test
  void theSenderEditsAndTheListShowsTheNewTextAndItsTime() {
    String group = newGroup();
    long seq = send("ben", group, Map.of("text", "teh plan"));

    TestServer.Reply r =
        node.call(
            "POST",
            path(group, seq, "edit"),
            Map.of("by", "ben", "text", "the plan", "payload", Map.of("v", 2)));

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode edited = messages(group).get(1);
    assertThat(edited.get("text").asText()).isEqualTo("the plan");
    assertThat(edited.get("payload").get("v").asInt()).isEqualTo(2);
    assertThat(edited.get("editedAt").asLong()).isPositive();
    JsonNode change = messages(group).get(2).get("change");
    assertThat(change.get("edit").get("text").asText()).isEqualTo("the plan");
    assertThat(change.get("edit").get("editedAt").asLong())
        .isEqualTo(edited.get("editedAt").asLong());
  }

  @Test
  void badRecallAndEditRequestsGetTheirCatalogErrors() {
    String group = newGroup();
    long seq = send("ben", group, Map.of());

    assertProblem(
        node.call("POST", path(group, seq, "edit"), Map.of("text", "x")), 400, "INVALID_ARGUMENT");
    assertProblem(
        node.call("POST", path(group, seq, "edit"), Map.of("by", "ben", "text", " ")),
        400,
        "INVALID_ARGUMENT");
    assertProblem(node.call("POST", path(group, 0, "recall"), null), 400, "INVALID_ARGUMENT");
    assertProblem(
        node.call("POST", "/v1/apps/default/conversations/g:" + group + "/messages/x/recall", null),
        400,
        "INVALID_ARGUMENT");
    assertProblem(node.call("POST", path(group, 99, "recall"), null), 404, "MESSAGE_NOT_FOUND");
    assertProblem(
        node.call("POST", path(group, seq, "recall"), Map.of("by", "ben", "why", "x")),
        400,
        "BAD_REQUEST");
    assertProblem(node.call("POST", path(group, seq, "recall"), null, ""), 401, "UNAUTHENTICATED");
  }

  @Test
  void aSendWithReplyAndMentionsIsListedWithThem() {
    String group = newGroup();
    long question = send("ann", group, Map.of("text", "lunch?"));

    long reply =
        send(
            "ben",
            group,
            Map.of(
                "text",
                "yes",
                "replyTo",
                question,
                "mentions",
                List.of("ann"),
                "mentionAll",
                true));

    JsonNode m = messages(group).get(2);
    assertThat(m.get("seq").asLong()).isEqualTo(reply);
    assertThat(m.get("replyTo").asLong()).isEqualTo(question);
    assertThat(m.get("mentions").valueStream().map(JsonNode::asText)).containsExactly("ann");
    assertThat(m.get("mentionAll").asBoolean()).isTrue();
    assertThat(messages(group).get(1).has("replyTo")).isFalse();
    TestServer.Reply missing =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "ben", "group", group, "text", "?", "replyTo", 77));
    assertProblem(missing, 404, "MESSAGE_NOT_FOUND");
  }
}
