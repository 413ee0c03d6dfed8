package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server process with SIGKILL in the middle of a stream of concurrent sends and shows
 * that every acknowledged message is in history after a restart, with gapless seqs and no message
 * stored twice.
 */
class CrashDurabilityIT {
  private static final String KEY = "crash-test-admin-key";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  record Acked(String conversation, long seq, String clientMsgId) {}

  @Test
  void everyAckedMessageSurvivesAKill9DuringSends(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    Map<String, Acked> acked = new ConcurrentHashMap<>();
    List<String> users = List.of("u0", "u1", "u2", "u3", "u4", "u5");
    try (ServerProcess first = ServerProcess.start(data, KEY)) {
      for (String u : users) {
        assertThat(post(first.httpPort, "/v1/apps/default/users", Map.of("id", u)).status)
            .isEqualTo(201);
      }
      assertThat(
              post(
                      first.httpPort,
                      "/v1/apps/default/groups",
                      Map.of("id", "crew", "owner", "u0", "members", users))
                  .status)
          .isEqualTo(201);

      CountDownLatch enough = new CountDownLatch(400);
      AtomicInteger failures = new AtomicInteger();
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < users.size(); t++) {
        String from = users.get(t);
        String to = users.get((t + 1) % users.size());
        senders.add(
            Thread.ofVirtual()
                .start(() -> {
                  for (int i = 0; failures.get() < 50 && i < 100_000; i++) {
                    String id = from + "-" + i;
                    Map<String, Object> body =
                        i % 3 == 0
                            ? Map.of("from", from, "group", "crew", "text", id, "clientMsgId", id)
                            : Map.of("from", from, "to", to, "text", id, "clientMsgId", id);
                    try {
                      Reply r = post(first.httpPort, "/v1/apps/default/messages", body);
                      if (r.status == 201) {
                        acked.put(
                            id,
                            new Acked(
                                r.json.get("conversation").asText(),
                                r.json.get("seq").asLong(),
                                id));
                        enough.countDown();
                      } else {
                        failures.incrementAndGet();
                      }
                    } catch (IOException e) {
                      failures.incrementAndGet();
                    }
                  }
                }));
      }
      assertThat(enough.await(60, TimeUnit.SECONDS)).as("400 acks before the kill").isTrue();
      first.kill();
      for (Thread s : senders) {
        s.join(Duration.ofSeconds(30));
      }
    }
    assertThat(acked).hasSizeGreaterThanOrEqualTo(400);

    try (ServerProcess second = ServerProcess.start(data, KEY)) {
      Map<String, List<JsonNode>> byConversation = new HashMap<>();
      for (Acked a : acked.values()) {
        byConversation.computeIfAbsent(a.conversation(), c -> history(second.httpPort, c));
      }
      Set<String> storedIds = new HashSet<>();
      for (Map.Entry<String, List<JsonNode>> e : byConversation.entrySet()) {
        List<JsonNode> messages = e.getValue();
        for (int i = 0; i < messages.size(); i++) {
          assertThat(messages.get(i).get("seq").asLong())
              .as("seq in " + e.getKey())
              .isEqualTo(i + 1);
          assertThat(storedIds.add(messages.get(i).get("clientMsgId").asText()))
              .as("stored once: " + messages.get(i))
              .isTrue();
        }
      }
      for (Acked a : acked.values()) {
        List<JsonNode> messages = byConversation.get(a.conversation());
        assertThat(messages.size()).as("acked " + a).isGreaterThanOrEqualTo((int) a.seq());
        assertThat(messages.get((int) a.seq() - 1).get("clientMsgId").asText())
            .as("acked " + a)
            .isEqualTo(a.clientMsgId());
      }
      // A retry of an acked send after the restart is recognised, not stored again.
      Acked any = acked.values().iterator().next();
      String from = any.clientMsgId().substring(0, any.clientMsgId().indexOf('-'));
      Reply again =
          post(
              second.httpPort,
              "/v1/apps/default/messages",
              any.conversation().startsWith("g:")
                  ? Map.of(
                      "from", from, "group", "crew", "text", "x", "clientMsgId", any.clientMsgId())
                  : Map.of(
                      "from",
                      from,
                      "conversation",
                      any.conversation(),
                      "text",
                      "x",
                      "clientMsgId",
                      any.clientMsgId()));
      assertThat(again.json.get("duplicate").asBoolean()).isTrue();
      assertThat(again.json.get("seq").asLong()).isEqualTo(any.seq());
    }
  }

  private List<JsonNode> history(int port, String conversation) {
    List<JsonNode> all = new ArrayList<>();
    long before = 0;
    while (true) {
      JsonNode page =
          get(
              port,
              "/v1/apps/default/conversations/"
                  + conversation
                  + "/messages?limit=500&before="
                  + before);
      List<JsonNode> batch = new ArrayList<>();
      page.get("messages").forEach(batch::add);
      all.addAll(0, batch);
      if (!page.get("more").asBoolean() || batch.isEmpty()) {
        return all;
      }
      before = batch.get(0).get("seq").asLong();
    }
  }

  record Reply(int status, JsonNode json) {}

  private Reply post(int port, String path, Object body) throws IOException {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(10))
                  .header("Authorization", "Bearer " + KEY)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), JSON.readTree(r.body().isEmpty() ? "{}" : r.body()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private JsonNode get(int port, String path) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .header("Authorization", "Bearer " + KEY)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return JSON.readTree(r.body());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
