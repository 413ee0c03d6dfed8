package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an outside probe found on the REST API (issue 9): weak admin keys, unthrottled key guessing,
 * a discovery URL taken from a forged Host or from anybody's X-Forwarded-*, cacheable secrets, 404
 * for a wrong method. Raw HTTP over a socket, so every header is the test's choice.
 */
class RestHardeningTest {
  @TempDir Path dir;

  /** A raw HTTP/1.1 exchange: status, headers (lower-case names) and body. */
  record Raw(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      try {
        return TestServer.JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  static Raw raw(int port, String method, String path, Map<String, String> headers) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
      Map<String, String> h = new LinkedHashMap<>();
      h.put("Host", "127.0.0.1:" + port);
      h.putAll(headers);
      h.put("Connection", "close");
      if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
        h.putIfAbsent("Content-Length", "0");
      }
      h.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int split = all.indexOf("\r\n\r\n");
      String[] lines = all.substring(0, split).split("\r\n");
      Map<String, String> responseHeaders = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        responseHeaders.put(
            lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).strip());
      }
      String body = all.substring(split + 4);
      if ("chunked".equalsIgnoreCase(responseHeaders.get("transfer-encoding"))) {
        body = dechunk(body);
      }
      return new Raw(Integer.parseInt(lines[0].split(" ")[1]), responseHeaders, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String dechunk(String body) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (true) {
      int eol = body.indexOf("\r\n", i);
      int size = Integer.parseInt(body.substring(i, eol).strip(), 16);
      if (size == 0) {
        return out.toString();
      }
      out.append(body, eol + 2, eol + 2 + size);
      i = eol + 2 + size + 2;
    }
  }

  private static Map<String, String> bearer(String key) {
    return Map.of("Authorization", "Bearer " + key);
  }

  @Test
  void aShortOrRepetitiveAdminKeyRefusesToStartNamingTheSetting() {
    Settings base =
        Settings.defaults()
            .with(Setting.DATA_DIR, dir.toString())
            .with(Setting.GATEWAY_PORT, "0")
            .with(Setting.HTTP_PORT, "0")
            .with(Setting.GATEWAY_HOST, "127.0.0.1")
            .with(Setting.HTTP_HOST, "127.0.0.1");
    assertThatThrownBy(() -> WarblerServer.start(base.with(Setting.AUTH_ADMIN_KEY, "abc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auth.admin-key")
        .hasMessageContaining("at least 32 characters");
    assertThatThrownBy(
            () -> WarblerServer.start(base.with(Setting.AUTH_ADMIN_KEY, "ab".repeat(20))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("different characters");
  }

  @Test
  void wrongKeysFromOneAddressAreThrottledAndThenEvenTheRightKeyWaits() {
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_BURST, "5",
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "1"))) {
      int port = node.server.httpPort();
      for (int i = 0; i < 5; i++) {
        Raw r = raw(port, "GET", "/v1/apps/default", bearer("guess-" + i));
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
      }
      Raw throttled = raw(port, "GET", "/v1/apps/default", bearer("guess-6"));
      assertThat(throttled.status()).isEqualTo(429);
      assertThat(throttled.json().get("title").asText()).isEqualTo("RATE_LIMITED");
      assertThat(Long.parseLong(throttled.headers().get("retry-after"))).isBetween(1L, 60L);
      assertThat(throttled.json().get("detail").asText()).contains("limits.auth-failures");
      // The right key from the same address waits too: otherwise guessing goes on at full speed.
      assertThat(raw(port, "GET", "/v1/apps/default", bearer(TestServer.ADMIN_KEY)).status())
          .isEqualTo(429);
      // No key at all is not a guess, and health checks need none.
      assertThat(raw(port, "GET", "/v1/apps/default", Map.of()).status()).isEqualTo(401);
      assertThat(raw(port, "GET", "/readyz", Map.of()).status()).isEqualTo(200);
      String metrics = TestServer.untagged(raw(port, "GET", "/metrics", Map.of()).body());
      assertThat(metrics)
          .contains("warbler_auth_failures_total{surface=\"rest\"} 5.0")
          .contains("warbler_auth_throttled_total{surface=\"rest\"} 2.0");
    }
  }

  @Test
  void forwardedForIsBelievedOnlyFromATrustedProxy() {
    // No trusted proxy: a guesser rotating X-Forwarded-For is still one address.
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_BURST, "3",
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "1"))) {
      int port = node.server.httpPort();
      for (int i = 0; i < 3; i++) {
        raw(port, "GET", "/v1/apps/default", headers("guess", "X-Forwarded-For", "10.0.0." + i));
      }
      assertThat(
              raw(port, "GET", "/v1/apps/default", headers("guess", "X-Forwarded-For", "10.0.1.1"))
                  .status())
          .isEqualTo(429);
    }
  }

  @Test
  void behindATrustedProxyEachForwardedClientHasItsOwnBudget() {
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_BURST, "2",
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "1",
                Setting.HTTP_TRUSTED_PROXIES, "127.0.0.0/8"))) {
      int port = node.server.httpPort();
      for (int i = 0; i < 2; i++) {
        raw(port, "GET", "/v1/apps/default", headers("guess", "X-Forwarded-For", "203.0.113.7"));
      }
      assertThat(
              raw(port, "GET", "/v1/apps/default", headers("g", "X-Forwarded-For", "203.0.113.7"))
                  .status())
          .isEqualTo(429);
      // Another client behind the same proxy is not punished for the first one.
      assertThat(
              raw(
                      port,
                      "GET",
                      "/v1/apps/default",
                      headers(TestServer.ADMIN_KEY, "X-Forwarded-For", "198.51.100.9"))
                  .status())
          .isEqualTo(200);
      // A client cannot hide behind a hop it prepends: the right-most untrusted hop counts.
      assertThat(
              raw(
                      port,
                      "GET",
                      "/v1/apps/default",
                      headers("g", "X-Forwarded-For", "198.51.100.1, 203.0.113.7"))
                  .status())
          .isEqualTo(429);
      // The audit log records the forwarded client, not the proxy.
      JsonNode audit =
          TestServer.JSON
              .valueToTree(
                  node.call("GET", "/v1/audit?action=api.auth.failed", null).body().get("items"))
              .get(0);
      assertThat(audit.get("ip").asText()).isEqualTo("203.0.113.7");
    }
  }

  private static Map<String, String> headers(String key, String name, String value) {
    return Map.of("Authorization", "Bearer " + key, name, value);
  }

  @Test
  void discoveryRefusesAForgedHostAndBelievesForwardedHeadersOnlyFromTrustedProxies() {
    try (TestServer node = TestServer.start(dir)) {
      int http = node.server.httpPort();
      int ws = node.server.webSocketPort();
      Raw forged = raw(http, "GET", "/v1/discovery", Map.of("Host", "evil.example:8080"));
      assertThat(forged.status()).isEqualTo(400);
      assertThat(forged.json().get("detail").asText()).contains("http.public-websocket-url");
      assertThat(
              raw(http, "GET", "/v1/discovery", Map.of("Host", "localhost:" + http))
                  .json()
                  .get("websocket")
                  .asText())
          .isEqualTo("ws://localhost:" + ws + "/ws");
      // From an untrusted peer, X-Forwarded-* change nothing.
      Raw spoofed =
          raw(
              http,
              "GET",
              "/v1/discovery",
              Map.of("X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"));
      assertThat(spoofed.json().get("websocket").asText())
          .isEqualTo("ws://127.0.0.1:" + ws + "/ws");
    }
  }

  @Test
  void discoveryBehindATrustedTlsProxyAnnouncesWssOnTheAllowedPublicHost() {
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(
                Setting.HTTP_TRUSTED_PROXIES, "127.0.0.1",
                Setting.HTTP_ALLOWED_HOSTS, "chat.example.com"))) {
      int http = node.server.httpPort();
      int ws = node.server.webSocketPort();
      JsonNode d =
          raw(
                  http,
                  "GET",
                  "/v1/discovery",
                  Map.of("X-Forwarded-Host", "chat.example.com", "X-Forwarded-Proto", "https"))
              .json();
      assertThat(d.get("websocket").asText()).isEqualTo("wss://chat.example.com:" + ws + "/ws");
      // Even a trusted proxy cannot make discovery point at a host nobody allowed.
      assertThat(
              raw(http, "GET", "/v1/discovery", Map.of("X-Forwarded-Host", "evil.example"))
                  .status())
          .isEqualTo(400);
    }
  }

  @Test
  void aConfiguredPublicUrlIsAnnouncedWhateverTheRequestSays() {
    try (TestServer node =
        TestServer.start(
            dir, Map.of(Setting.HTTP_PUBLIC_WEBSOCKET_URL, "wss://chat.example.com/ws"))) {
      assertThat(
              raw(node.server.httpPort(), "GET", "/v1/discovery", Map.of("Host", "evil.example"))
                  .json()
                  .get("websocket")
                  .asText())
          .isEqualTo("wss://chat.example.com/ws");
    }
  }

  @Test
  void secretsAndTokensAreNeverCacheableAndNothingIsSniffed() {
    try (TestServer node = TestServer.start(dir)) {
      int port = node.server.httpPort();
      node.createUser("default", "alice");
      Raw token =
          raw(port, "POST", "/v1/apps/default/users/alice/tokens", bearer(TestServer.ADMIN_KEY));
      assertThat(token.status()).isEqualTo(201);
      Raw app = raw(port, "POST", "/v1/apps/default/secret/rotate", bearer(TestServer.ADMIN_KEY));
      assertThat(app.status()).isEqualTo(200);
      Raw problem = raw(port, "GET", "/v1/apps/default/users/nobody", bearer(TestServer.ADMIN_KEY));
      for (Raw r : new Raw[] {token, app, problem}) {
        assertThat(r.headers()).containsEntry("cache-control", "no-store");
        assertThat(r.headers()).containsEntry("x-content-type-options", "nosniff");
      }
      assertThat(raw(port, "GET", "/healthz", Map.of()).headers())
          .containsEntry("x-content-type-options", "nosniff");
    }
  }

  @Test
  void aWrongMethodIs405WithAllowNot404() {
    try (TestServer node = TestServer.start(dir)) {
      Raw r =
          raw(node.server.httpPort(), "PUT", "/v1/apps/default/users/alice", bearer("whatever"));
      assertThat(r.status()).isEqualTo(405);
      assertThat(r.headers().get("allow")).isEqualTo("DELETE, GET, PATCH");
      assertThat(r.headers().get("content-type")).startsWith("application/problem+json");
      assertThat(r.json().get("title").asText()).isEqualTo("METHOD_NOT_ALLOWED");
      assertThat(r.json().get("code").asInt()).isEqualTo(1005);
      assertThat(raw(node.server.httpPort(), "GET", "/v1/no-such-path", Map.of()).status())
          .isEqualTo(404);
    }
  }
}
