package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.core.webhooks.WebhookSignature;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks end to end on the embedded store: subscriptions over REST, events from real sends, a
 * real HTTP receiver on 127.0.0.1 (allowed through {@code webhooks.allowed-networks}), signatures
 * verified with the documented algorithm, retries, the delivery log, replay, 410, cross-tenant
 * refusals and a restart with undelivered rows. {@link WebhookDeliveryTest} runs it on SQLite,
 * {@link PostgresWebhookDeliveryTest} on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WebhookEndToEnd {
  @TempDir static Path dir;
  TestServer node;

  /** The store settings of the nodes (none: SQLite in the data directory). */
  abstract Map<Setting, String> storeSettings();

  Map<Setting, String> settings() {
    Map<Setting, String> s = new HashMap<>(storeSettings());
    s.put(Setting.WEBHOOKS_ALLOW_HTTP, "true");
    s.put(Setting.WEBHOOKS_ALLOWED_NETWORKS, "127.0.0.1/32");
    s.put(Setting.WEBHOOKS_POLL_MS, "20");
    s.put(Setting.WEBHOOKS_BACKOFF_BASE_MS, "50");
    s.put(Setting.WEBHOOKS_BACKOFF_MAX_SECONDS, "1");
    s.put(Setting.WEBHOOKS_MAX_ATTEMPTS, "3");
    s.put(Setting.WEBHOOKS_DISABLE_AFTER_FAILURES, "3");
    return s;
  }

  @BeforeAll
  void start() {
    node = TestServer.start(dir.resolve("data"), settings());
  }

  /** Stops the node; a subclass that overrides it calls it first. */
  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** A fresh app with users amy and bob; returns its secret. */
  static String app(TestServer on, String app) {
    TestServer.Reply r = on.call("POST", "/v1/apps", Map.of("id", app));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    on.createUser(app, "amy");
    on.createUser(app, "bob");
    return r.body().get("secret").asText();
  }

  static String appId() {
    return "a" + UUID.randomUUID().toString().substring(0, 8);
  }

  static JsonNode subscribe(TestServer on, String app, String url, List<String> events) {
    TestServer.Reply r =
        on.call("POST", "/v1/apps/" + app + "/webhooks", Map.of("url", url, "events", events));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.body();
  }

  static void send(TestServer on, String app, String text) {
    TestServer.Reply r =
        on.call(
            "POST",
            "/v1/apps/" + app + "/messages",
            Map.of("from", "amy", "to", "bob", "text", text));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  static JsonNode log(TestServer on, String app, String webhook) {
    TestServer.Reply r =
        on.call("GET", "/v1/apps/" + app + "/webhooks/" + webhook + "/deliveries", null);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.body().get("items");
  }

  @Test
  void aStoredMessageReachesTheReceiverSignedWithTheSubscriptionSecret() throws Exception {
    String app = appId();
    app(node, app);
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      JsonNode sub = subscribe(node, app, receiver.url(), List.of("message.stored"));
      String secret = sub.get("secret").asText();
      assertThat(secret).startsWith("whsec_");
      assertThat(
              node.call("GET", "/v1/apps/" + app + "/webhooks/" + sub.get("id").asText(), null)
                  .body()
                  .has("secret"))
          .as("the secret is shown once")
          .isFalse();

      send(node, app, "order 1042 paid");

      WebhookReceiver.Request r = receiver.next();
      assertThat(r.signedWith(secret)).isTrue();
      assertThat(r.signedWith("whsec_wrong")).isFalse();
      JsonNode event = TestServer.JSON.readTree(r.body());
      assertThat(event.get("id").asText()).isEqualTo(r.header(WebhookSignature.HEADER_EVENT_ID));
      assertThat(event.get("type").asText()).isEqualTo("message.stored");
      assertThat(event.get("app").asText()).isEqualTo(app);
      assertThat(event.get("data").get("text").asText()).isEqualTo("order 1042 paid");
      assertThat(event.get("data").get("sender").asText()).isEqualTo("amy");
      assertThat(event.get("data").get("seq").asLong()).isEqualTo(1);
    }
  }

  @Test
  void anAcknowledgedSendAlreadyHasItsEventInTheOutbox() {
    String app = appId();
    app(node, app);
    try (WebhookReceiver receiver = new WebhookReceiver().otherwise(503)) {
      String id =
          subscribe(node, app, receiver.url(), List.of("message.stored")).get("id").asText();
      for (int i = 1; i <= 5; i++) {
        send(node, app, "m" + i);
        // No waiting: the 201 came after the event row was durable.
        assertThat(log(node, app, id)).hasSize(i);
      }
    }
  }

  @Test
  void groupChangesAndRecallsArriveAsTheirCatalogTypes() throws Exception {
    String app = appId();
    app(node, app);
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      subscribe(
          node,
          app,
          receiver.url(),
          List.of("group.created", "group.member.removed", "message.recalled"));
      String groups = "/v1/apps/" + app + "/groups";
      assertThat(
              node.call(
                      "POST",
                      groups,
                      Map.of(
                          "id",
                          "g1",
                          "name",
                          "Class 7b",
                          "owner",
                          "amy",
                          "members",
                          List.of("bob")))
                  .status())
          .isEqualTo(201);
      JsonNode created = TestServer.JSON.readTree(receiver.next().body());
      assertThat(created.get("type").asText()).isEqualTo("group.created");
      assertThat(created.get("data").get("group").asText()).isEqualTo("g1");
      assertThat(created.get("data").get("by").asText()).as("the app backend acted").isEmpty();

      TestServer.Reply removed = node.call("DELETE", groups + "/g1/members?users=bob", null);
      assertThat(removed.status()).as(removed.toString()).isEqualTo(200);
      JsonNode gone = TestServer.JSON.readTree(receiver.next().body());
      assertThat(gone.get("type").asText()).isEqualTo("group.member.removed");
      assertThat(gone.get("data").get("users").toString()).isEqualTo("[\"bob\"]");

      send(node, app, "oops");
      TestServer.Reply recall =
          node.call(
              "POST",
              "/v1/apps/" + app + "/conversations/d:amy:bob/messages/1/recall",
              Map.of("by", "amy"));
      assertThat(recall.status()).as(recall.toString()).isEqualTo(200);
      JsonNode recalled = TestServer.JSON.readTree(receiver.next().body());
      assertThat(recalled.get("type").asText()).isEqualTo("message.recalled");
      assertThat(recalled.get("data").get("seq").asLong()).isEqualTo(1);
      assertThat(recalled.get("data").get("by").asText()).isEqualTo("amy");
    }
  }

  @Test
  void aReceiverThatFailsTwiceGetsTheEventOnTheThirdAttemptWithTheSameEventId() throws Exception {
    String app = appId();
    app(node, app);
    try (WebhookReceiver receiver = new WebhookReceiver().answer(500, 502)) {
      String id = subscribe(node, app, receiver.url(), List.of("*")).get("id").asText();

      send(node, app, "hello");

      String first = receiver.next().header(WebhookSignature.HEADER_EVENT_ID);
      assertThat(receiver.next().header(WebhookSignature.HEADER_EVENT_ID)).isEqualTo(first);
      assertThat(receiver.next().header(WebhookSignature.HEADER_EVENT_ID)).isEqualTo(first);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> {
            JsonNode d = log(node, app, id).get(0);
            assertThat(d.get("status").asText()).isEqualTo("delivered");
            assertThat(d.get("attempts").asInt()).isEqualTo(3);
            assertThat(d.get("responseCode").asInt()).isEqualTo(200);
            assertThat(d.get("eventId").asText()).isEqualTo(first);
          });
    }
  }

  @Test
  void outOfAttemptsADeliveryFailsAndAReplayDeliversIt() throws Exception {
    String app = appId();
    app(node, app);
    try (WebhookReceiver receiver = new WebhookReceiver().otherwise(503)) {
      String id =
          subscribe(node, app, receiver.url(), List.of("message.stored")).get("id").asText();
      send(node, app, "to replay");
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() ->
              assertThat(log(node, app, id).get(0).get("status").asText()).isEqualTo("failed"));
      JsonNode failed = log(node, app, id).get(0);
      assertThat(failed.get("attempts").asInt()).isEqualTo(3);
      assertThat(failed.get("lastError").asText()).startsWith("HTTP 503");

      receiver.otherwise(200);
      String path =
          "/v1/apps/" + app + "/webhooks/" + id + "/deliveries/" + failed.get("id").asText();
      assertThat(node.call("POST", path + "/replay", null).status()).isEqualTo(202);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() ->
              assertThat(node.call("GET", path, null).body().get("status").asText())
                  .isEqualTo("delivered"));
      TestServer.Reply again = node.call("POST", path + "/replay", null);
      assertThat(again.status()).isEqualTo(400);
      assertThat(again.body().get("detail").asText()).contains("only a failed delivery");
    }
  }

  @Test
  void failedDeliveriesOfATimeRangeReplayTogether() throws Exception {
    String app = appId();
    app(node, app);
    try (WebhookReceiver receiver = new WebhookReceiver().otherwise(500)) {
      String id =
          subscribe(node, app, receiver.url(), List.of("message.stored")).get("id").asText();
      long from = System.currentTimeMillis();
      send(node, app, "one");
      send(node, app, "two");
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() ->
              assertThat(log(node, app, id).findValuesAsText("status"))
                  .containsExactly("failed", "failed"));
      receiver.otherwise(200);
      TestServer.Reply r =
          node.call(
              "POST",
              "/v1/apps/" + app + "/webhooks/" + id + "/replay",
              Map.of("from", from, "to", System.currentTimeMillis() + 1));
      assertThat(r.status()).as(r.toString()).isEqualTo(202);
      assertThat(r.body().get("replayed").asInt()).isEqualTo(2);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() ->
              assertThat(log(node, app, id).findValuesAsText("status"))
                  .containsExactly("delivered", "delivered"));
    }
  }

  @Test
  void aSubscriptionThatKeepsFailingIsDisabledAndAn410DisablesItAtOnce() throws Exception {
    String app = appId();
    app(node, app);
    try (WebhookReceiver failing = new WebhookReceiver().otherwise(500);
        WebhookReceiver gone = new WebhookReceiver().otherwise(410)) {
      String a = subscribe(node, app, failing.url(), List.of("message.stored")).get("id").asText();
      String b = subscribe(node, app, gone.url(), List.of("message.stored")).get("id").asText();
      for (int i = 0; i < 3; i++) {
        send(node, app, "m" + i);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> {
            JsonNode s = node.call("GET", "/v1/apps/" + app + "/webhooks/" + a, null).body();
            assertThat(s.get("enabled").asBoolean()).isFalse();
            assertThat(s.get("disabledReason").asText()).contains("failed in a row");
          });
      JsonNode g = node.call("GET", "/v1/apps/" + app + "/webhooks/" + b, null).body();
      assertThat(g.get("enabled").asBoolean()).isFalse();
      assertThat(g.get("disabledReason").asText()).contains("410");
      // Deliveries claimed in the same pass as the first 410 may still have been attempted.
      int goneCalls = gone.received();
      assertThat(goneCalls).isBetween(1, 3);

      // Later events reach a healthy subscription, never the disabled one.
      try (WebhookReceiver healthy = new WebhookReceiver()) {
        subscribe(node, app, healthy.url(), List.of("message.stored"));
        send(node, app, "after");
        assertThat(TestServer.JSON.readTree(healthy.next().body()).get("data").get("text").asText())
            .isEqualTo("after");
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(() ->
                assertThat(log(node, app, b).findValuesAsText("status")).doesNotContain("pending"));
        assertThat(gone.received()).isEqualTo(goneCalls);
      }

      TestServer.Reply on =
          node.call("PATCH", "/v1/apps/" + app + "/webhooks/" + a, Map.of("enabled", true));
      assertThat(on.body().get("enabled").asBoolean()).isTrue();
      assertThat(on.body().get("failures").asInt()).isZero();
    }
  }

  @Test
  void anotherAppCannotSeeChangeOrReplayASubscription() throws Exception {
    String mine = appId();
    String theirs = appId();
    String mySecret = app(node, mine);
    String theirSecret = app(node, theirs);
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      String id = subscribe(node, mine, receiver.url(), List.of("*")).get("id").asText();
      String base = "/v1/apps/" + theirs + "/webhooks/" + id;

      assertThat(node.call("GET", base, null, theirSecret).status()).isEqualTo(404);
      assertThat(node.call("PATCH", base, Map.of("enabled", false), theirSecret).status())
          .isEqualTo(404);
      assertThat(node.call("GET", base + "/deliveries", null, theirSecret).status()).isEqualTo(404);
      assertThat(node.call("POST", base + "/test", null, theirSecret).status()).isEqualTo(404);
      assertThat(node.call("DELETE", base, null, theirSecret).status()).isEqualTo(404);
      assertThat(
              node.call("GET", "/v1/apps/" + theirs + "/webhooks", null, theirSecret)
                  .body()
                  .get("items"))
          .isEmpty();
      assertThat(
              node.call("GET", "/v1/apps/" + mine + "/webhooks/" + id, null, theirSecret).status())
          .isEqualTo(401);
      assertThat(node.call("GET", "/v1/apps/" + mine + "/webhooks/" + id, null, mySecret).status())
          .isEqualTo(200);
    }
  }

  @Test
  void badSubscriptionsAreRefusedWithTheFieldNamed() {
    String app = appId();
    app(node, app);
    String path = "/v1/apps/" + app + "/webhooks";
    TestServer.Reply noUrl = node.call("POST", path, Map.of("events", List.of("*")));
    assertThat(noUrl.status()).isEqualTo(400);
    assertThat(noUrl.body().get("detail").asText()).contains("url");
    TestServer.Reply badEvent =
        node.call("POST", path, Map.of("url", "https://203.0.113.10/h", "events", List.of("nope")));
    assertThat(badEvent.status()).isEqualTo(400);
    assertThat(badEvent.body().get("detail").asText()).contains("'nope' is not an event type");
    TestServer.Reply ftp =
        node.call("POST", path, Map.of("url", "ftp://203.0.113.10/h", "events", List.of("*")));
    assertThat(ftp.status()).isEqualTo(400);
    TestServer.Reply privateTarget =
        node.call("POST", path, Map.of("url", "http://10.0.0.8/h", "events", List.of("*")));
    assertThat(privateTarget.status()).isEqualTo(400);
    assertThat(privateTarget.body().get("detail").asText()).contains("a private address");
  }

  @Test
  void theTestEventAndASecretRotationCarryBothSignaturesDuringTheGrace() throws Exception {
    String app = appId();
    app(node, app);
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      JsonNode sub = subscribe(node, app, receiver.url(), List.of("message.stored"));
      String id = sub.get("id").asText();
      String oldSecret = sub.get("secret").asText();
      TestServer.Reply rotated =
          node.call("POST", "/v1/apps/" + app + "/webhooks/" + id + "/rotate-secret", null);
      String newSecret = rotated.body().get("secret").asText();
      assertThat(newSecret).isNotEqualTo(oldSecret);

      assertThat(node.call("POST", "/v1/apps/" + app + "/webhooks/" + id + "/test", null).status())
          .isEqualTo(202);
      WebhookReceiver.Request r = receiver.next();
      assertThat(TestServer.JSON.readTree(r.body()).get("type").asText()).isEqualTo("webhook.test");
      long ts = Long.parseLong(r.header(WebhookSignature.HEADER_TIMESTAMP));
      long now = System.currentTimeMillis() / 1000;
      String header = r.header(WebhookSignature.HEADER_SIGNATURE);
      assertThat(WebhookSignature.verify(newSecret, header, ts, r.body(), now, 300)).isTrue();
      assertThat(WebhookSignature.verify(oldSecret, header, ts, r.body(), now, 300)).isTrue();
    }
  }

  @Test
  void undeliveredOutboxRowsAreDeliveredAfterARestart() throws Exception {
    Path data = dir.resolve("restart-" + UUID.randomUUID());
    String app = appId();
    try (WebhookReceiver receiver = new WebhookReceiver().otherwise(503)) {
      Map<Setting, String> s = settings();
      s.put(Setting.WEBHOOKS_MAX_ATTEMPTS, "100");
      s.put(Setting.WEBHOOKS_DISABLE_AFTER_FAILURES, "0");
      String id;
      try (TestServer first = TestServer.start(data, s)) {
        app(first, app);
        id = subscribe(first, app, receiver.url(), List.of("message.stored")).get("id").asText();
        send(first, app, "survives");
        receiver.next();
      }
      receiver.otherwise(200);
      try (TestServer second = TestServer.start(data, s)) {
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(() ->
                assertThat(log(second, app, id).get(0).get("status").asText())
                    .isEqualTo("delivered"));
        JsonNode d = log(second, app, id).get(0);
        assertThat(d.get("event").get("data").get("text").asText()).isEqualTo("survives");
      }
    }
  }
}
