package dev.warbler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/** The REST calls the bench needs, with the admin key: users, tokens, discovery, metrics. */
public final class Admin {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI base;
  private final String key;

  public Admin(URI base, String key) {
    this.base = base;
    this.key = key;
  }

  /** A bench user and its token. */
  public record UserToken(String user, String token) {}

  /**
   * Creates {@code count} users named {@code prefix-i} and issues a token for each, in parallel.
   */
  public List<UserToken> users(String app, String prefix, int count) {
    Semaphore window = new Semaphore(32);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<UserToken>> futures = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String user = prefix + "-" + i;
        futures.add(
            pool.submit(() -> {
              window.acquire();
              try {
                return new UserToken(user, createUserAndToken(app, user));
              } finally {
                window.release();
              }
            }));
      }
      List<UserToken> out = new ArrayList<>(count);
      for (Future<UserToken> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (Exception e) {
      throw new IllegalStateException("cannot create bench users: " + e.getMessage(), e);
    }
  }

  private String createUserAndToken(String app, String user)
      throws IOException, InterruptedException {
    call("POST", "/v1/apps/" + app + "/users", "{\"id\":\"" + user + "\"}", 201);
    JsonNode token =
        call(
            "POST",
            "/v1/apps/" + app + "/users/" + user + "/tokens",
            "{\"ttlSeconds\":86400}",
            201);
    return token.get("token").asText();
  }

  /** Creates app {@code id}, with encryption at rest of its message bodies if {@code encrypt}. */
  void createApp(String id, boolean encrypt) {
    try {
      call("POST", "/v1/apps", "{\"id\":\"" + id + "\",\"encryptAtRest\":" + encrypt + "}", 201);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create app " + id + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Creates group {@code id} owned by {@code members.get(0)} with all {@code members}. */
  public void createGroup(String app, String id, List<String> members) {
    StringBuilder body = new StringBuilder("{\"id\":\"").append(id).append("\",\"owner\":\"");
    body.append(members.get(0)).append("\",\"members\":[");
    for (int i = 1; i < members.size(); i++) {
      body.append(i > 1 ? "," : "").append('"').append(members.get(i)).append('"');
    }
    body.append("]}");
    try {
      call("POST", "/v1/apps/" + app + "/groups", body.toString(), 201);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create group " + id + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The WebSocket URL the server advertises. */
  public URI discoverWebSocket() {
    try {
      return URI.create(call("GET", "/v1/discovery", null, 200).get("websocket").asText());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read " + base + "/v1/discovery: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sum of {@code jvm_memory_used_bytes{area="heap"...}} from /metrics; -1 if unreadable. */
  long heapUsedBytes() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      return heapUsed(r.body());
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static long heapUsed(String prometheus) {
    double sum = 0;
    boolean found = false;
    for (String line : prometheus.split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    return found ? (long) sum : -1;
  }

  /**
   * POST a JSON {@code body} to {@code path} with the admin key; another status is an IOException.
   */
  public JsonNode post(String path, String body, int expected)
      throws IOException, InterruptedException {
    return call("POST", path, body, expected);
  }

  /** The value of the first sample of {@code name} on /metrics (Prometheus text); NaN if absent. */
  public double metric(String name) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      for (String line : r.body().split("\n")) {
        if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return Double.NaN;
    } catch (IOException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  /** GET {@code path} with the admin key; anything but 200 is an IOException. */
  public JsonNode get(String path) throws IOException, InterruptedException {
    return call("GET", path, null, 200);
  }

  private JsonNode call(String method, String path, String body, int expected)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IOException(method + " " + path + " -> HTTP " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
