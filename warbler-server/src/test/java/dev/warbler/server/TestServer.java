package dev.warbler.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

/** A whole node on free ports with its data in a temp dir, plus a REST helper for tests. */
final class TestServer implements AutoCloseable {
  static final String ADMIN_KEY = "test-admin-key-0123456789-abcdefghijklmnop";
  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A Prometheus scrape without the {@code node} label every meter carries, so that a test can name
   * a sample by its other labels only.
   */
  static String untagged(String metrics) {
    return metrics
        .replaceAll(",node=\"[^\"]*\"", "")
        .replaceAll("node=\"[^\"]*\",?", "")
        .replace("{}", "");
  }

  final WarblerServer server;
  final HttpClient http = HttpClient.newHttpClient();

  private TestServer(WarblerServer server) {
    this.server = server;
  }

  static TestServer start(Path dataDir) {
    return start(dataDir, Map.of());
  }

  static TestServer start(Path dataDir, Map<Setting, String> overrides) {
    Settings s =
        Settings.defaults()
            .with(Setting.DATA_DIR, dataDir.toString())
            .with(Setting.GATEWAY_HOST, "127.0.0.1")
            .with(Setting.HTTP_HOST, "127.0.0.1")
            .with(Setting.GATEWAY_PORT, "0")
            .with(Setting.HTTP_PORT, "0")
            .with(Setting.AUTH_ADMIN_KEY, ADMIN_KEY);
    for (Map.Entry<Setting, String> e : overrides.entrySet()) {
      s = s.with(e.getKey(), e.getValue());
    }
    return new TestServer(WarblerServer.start(s));
  }

  URI http(String path) {
    return URI.create("http://127.0.0.1:" + server.httpPort() + path);
  }

  URI ws() {
    return URI.create("ws://127.0.0.1:" + server.webSocketPort() + "/ws");
  }

  record Reply(int status, String contentType, JsonNode body) {}

  Reply call(String method, String path, Object body) {
    return call(method, path, body, ADMIN_KEY);
  }

  Reply call(String method, String path, Object body, String key) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(http(path));
      if (!key.isEmpty()) {
        b.header("Authorization", "Bearer " + key);
      }
      HttpRequest.BodyPublisher publisher =
          body instanceof String s
              ? HttpRequest.BodyPublishers.ofString(s)
              : body == null
                  ? HttpRequest.BodyPublishers.noBody()
                  : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
      b.header("Content-Type", "application/json").method(method, publisher);
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json =
          r.body().isEmpty() || !r.headers().firstValue("Content-Type").orElse("").contains("json")
              ? JSON.nullNode()
              : JSON.readTree(r.body());
      return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void createUser(String app, String id) {
    Reply r = call("POST", "/v1/apps/" + app + "/users", Map.of("id", id));
    if (r.status() != 201) {
      throw new IllegalStateException("createUser " + id + ": " + r);
    }
  }

  String token(String app, String user) {
    Reply r = call("POST", "/v1/apps/" + app + "/users/" + user + "/tokens", Map.of());
    if (r.status() != 201) {
      throw new IllegalStateException("token " + user + ": " + r);
    }
    return r.body().get("token").asText();
  }

  @Override
  public void close() {
    server.close();
  }
}
