package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The before-send hook end to end: a real hook server on 127.0.0.1 allows, rejects (the sender sees
 * MESSAGE_REJECTED with the reason), modifies, times out and answers badly, with fail-open and
 * fail-closed; app backend sends and apps without a hook are not called.
 */
class BeforeSendHookTest {
  @TempDir static Path dir;
  static TestServer node;

  @BeforeAll
  static void start() {
    Map<Setting, String> s = new HashMap<>();
    s.put(Setting.WEBHOOKS_ALLOW_HTTP, "true");
    s.put(Setting.WEBHOOKS_ALLOWED_NETWORKS, "127.0.0.1/32");
    node = TestServer.start(dir.resolve("data"), s);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String app() {
    String app = "h" + UUID.randomUUID().toString().substring(0, 8);
    WebhookEndToEnd.app(node, app);
    return app;
  }

  private static JsonNode hook(String app, WebhookReceiver hook, boolean failOpen, int timeoutMs) {
    TestServer.Reply r =
        node.call(
            "PUT",
            "/v1/apps/" + app + "/hooks/before-send",
            Map.of("url", hook.url(), "failOpen", failOpen, "timeoutMs", timeoutMs));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.body();
  }

  private static TestServer.Reply send(String app, String text) {
    return node.call(
        "POST", "/v1/apps/" + app + "/messages", Map.of("from", "amy", "to", "bob", "text", text));
  }

  private static JsonNode messages(String app) {
    return node.call("GET", "/v1/apps/" + app + "/conversations/d:amy:bob/messages", null)
        .body()
        .get("messages");
  }

  @Test
  void anAllowingHookSeesTheSignedMessageAndTheMessageIsStored() throws Exception {
    String app = app();
    try (WebhookReceiver hook = new WebhookReceiver().body("{\"action\":\"allow\"}")) {
      String secret = hook(app, hook, false, 1000).get("secret").asText();

      assertThat(send(app, "hello").status()).isEqualTo(201);

      WebhookReceiver.Request r = hook.next();
      assertThat(r.signedWith(secret)).isTrue();
      JsonNode call = TestServer.JSON.readTree(r.body());
      assertThat(call.get("type").asText()).isEqualTo("message.before_send");
      assertThat(call.get("data").get("sender").asText()).isEqualTo("amy");
      assertThat(call.get("data").get("text").asText()).isEqualTo("hello");
      assertThat(messages(app).findValuesAsText("text")).containsExactly("hello");
    }
  }

  @Test
  void aRejectingHookRefusesTheSendWithItsReasonAndStoresNothing() {
    String app = app();
    try (WebhookReceiver hook =
        new WebhookReceiver()
            .body("{\"action\":\"reject\",\"reason\":\"no phone numbers, please\"}")) {
      hook(app, hook, true, 1000);

      TestServer.Reply r = send(app, "call me at 555-0100");

      assertThat(r.status()).isEqualTo(403);
      assertThat(r.body().get("code").asInt()).isEqualTo(3005);
      assertThat(r.body().get("title").asText()).isEqualTo("MESSAGE_REJECTED");
      assertThat(r.body().get("detail").asText()).contains("no phone numbers, please");
      assertThat(messages(app)).isEmpty();
    }
  }

  @Test
  void aModifyingHookChangesWhatIsStored() {
    String app = app();
    try (WebhookReceiver hook =
        new WebhookReceiver().body("{\"action\":\"modify\",\"text\":\"call me at ***\"}")) {
      hook(app, hook, false, 1000);

      assertThat(send(app, "call me at 555-0100").status()).isEqualTo(201);

      assertThat(messages(app).findValuesAsText("text")).containsExactly("call me at ***");
    }
  }

  @Test
  void aModificationPastTheMessageLimitIsRefused() {
    String app = app();
    try (WebhookReceiver hook =
        new WebhookReceiver()
            .body("{\"action\":\"modify\",\"text\":\"" + "x".repeat(40_000) + "\"}")) {
      hook(app, hook, true, 1000);

      TestServer.Reply r = send(app, "short");

      assertThat(r.status()).isEqualTo(413);
      assertThat(messages(app)).isEmpty();
    }
  }

  @Test
  void aSlowHookFailsClosedWithARetryableErrorOrOpenWithTheMessageUnchanged() {
    String closed = app();
    String open = app();
    try (WebhookReceiver slow =
        new WebhookReceiver().body("{\"action\":\"reject\"}").delay(3_000)) {
      hook(closed, slow, false, 200);
      hook(open, slow, true, 200);

      TestServer.Reply refused = send(closed, "hi");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.body().get("detail").asText()).contains("before-send hook failed");
      assertThat(messages(closed)).isEmpty();

      assertThat(send(open, "hi").status()).isEqualTo(201);
      assertThat(messages(open).findValuesAsText("text")).containsExactly("hi");
    }
  }

  @Test
  void aMeaninglessAnswerOrAnErrorStatusIsAFailure() {
    String app = app();
    try (WebhookReceiver bad = new WebhookReceiver().body("<html>oops</html>")) {
      hook(app, bad, false, 1000);
      assertThat(send(app, "one").status()).isEqualTo(503);
      bad.body("{\"action\":\"allow\"}").otherwise(500);
      assertThat(send(app, "two").status()).isEqualTo(503);
      bad.otherwise(200);
      assertThat(send(app, "three").status()).isEqualTo(201);
      assertThat(messages(app).findValuesAsText("text")).containsExactly("three");
    }
  }

  @Test
  void theAppBackendsOwnSendsAndOtherAppsAreNotChecked() throws Exception {
    String hooked = app();
    String other = app();
    try (WebhookReceiver hook = new WebhookReceiver().body("{\"action\":\"reject\"}")) {
      hook(hooked, hook, false, 1000);

      TestServer.Reply system =
          node.call(
              "POST", "/v1/apps/" + hooked + "/messages", Map.of("to", "bob", "text", "notice"));
      assertThat(system.status()).as(system.toString()).isEqualTo(201);
      assertThat(send(other, "free").status()).isEqualTo(201);
      assertThat(hook.received()).isZero();

      assertThat(node.call("GET", "/v1/apps/" + other + "/hooks/before-send", null).status())
          .isEqualTo(404);
      assertThat(node.call("DELETE", "/v1/apps/" + hooked + "/hooks/before-send", null).status())
          .isEqualTo(204);
      assertThat(send(hooked, "now free").status()).isEqualTo(201);
    }
  }

  @Test
  void aHookTargetFollowsTheSsrfRules() {
    String app = app();
    TestServer.Reply r =
        node.call(
            "PUT",
            "/v1/apps/" + app + "/hooks/before-send",
            Map.of("url", "http://169.254.169.254/latest", "failOpen", true));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().get("detail").asText()).contains("cloud metadata");
  }
}
