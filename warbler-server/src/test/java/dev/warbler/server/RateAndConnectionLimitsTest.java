package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import dev.warbler.testkit.RawSocket;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limits as a configured node applies them: settings reach the REST API and the gateway. */
class RateAndConnectionLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private static HttpResponse<String> get(TestServer node, String path, String key)
      throws IOException, InterruptedException {
    return node.http.send(
        HttpRequest.newBuilder(node.http(path)).header("Authorization", "Bearer " + key).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAppKeyOverItsRestRateGets429WithRetryAfterWhileTheAdminKeyAndOtherAppsDoNot(
      @TempDir Path data) throws Exception {
    try (TestServer node =
        TestServer.start(
            data,
            Map.of(
                Setting.LIMITS_RATE_REST_PER_SECOND, "1",
                Setting.LIMITS_RATE_REST_BURST, "2"))) {
      String acme =
          node.call("POST", "/v1/apps", Map.of("id", "acme")).body().get("secret").asText();
      String beta =
          node.call("POST", "/v1/apps", Map.of("id", "beta")).body().get("secret").asText();

      assertThat(get(node, "/v1/apps/acme", acme).statusCode()).isEqualTo(200);
      assertThat(get(node, "/v1/apps/acme", acme).statusCode()).isEqualTo(200);
      HttpResponse<String> refused = get(node, "/v1/apps/acme", acme);

      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      var problem = TestServer.JSON.readTree(refused.body());
      assertThat(problem.get("code").asInt()).isEqualTo(ErrorCode.RATE_LIMITED.code());
      assertThat(problem.get("retryable").asBoolean()).isTrue();
      assertThat(problem.get("retryAfterMs").asLong()).isBetween(1L, 1_000L);
      assertThat(problem.get("detail").asText()).contains("per app key");
      for (int i = 0; i < 5; i++) {
        assertThat(get(node, "/v1/apps/acme", TestServer.ADMIN_KEY).statusCode()).isEqualTo(200);
      }
      assertThat(get(node, "/v1/apps/beta", beta).statusCode()).isEqualTo(200);
      assertThat(TestServer.untagged(get(node, "/metrics", "").body()))
          .containsPattern("warbler_rate_limited_total\\{scope=\"rest\"\\} 1\\.0");
    }
  }

  @Test
  void theGatewayAppliesTheConfiguredRateAndPerUserConnectionLimits(@TempDir Path data) {
    try (TestServer node =
        TestServer.start(
            data,
            Map.of(
                Setting.LIMITS_RATE_USER_PER_SECOND, "1",
                Setting.LIMITS_RATE_USER_BURST, "1",
                Setting.GATEWAY_MAX_CONNECTIONS_PER_USER, "1"))) {
      node.call("POST", "/v1/apps/default/users", Map.of("id", "alice"));
      String token =
          node.call("POST", "/v1/apps/default/users/alice/tokens", Map.of())
              .body()
              .get("token")
              .asText();
      RawClient first = RawClient.connect(node.ws(), Encoding.JSON);
      assertThat(first.request(auth(token)).hasAuthOk()).isTrue();

      ServerFrame syncs = first.request(sync("s1"));
      ServerFrame refused = first.request(sync("s2"));
      RawClient second = RawClient.connect(node.ws(), Encoding.JSON);
      ServerFrame tooMany = second.request(auth(token));

      assertThat(syncs.hasSyncResult()).isTrue();
      assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED.code());
      assertThat(refused.getError().getRetryAfterMs()).isPositive();
      assertThat(tooMany.getError().getCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
      assertThat(second.awaitClose(WAIT)).isEqualTo(CloseCode.TOO_MANY_CONNECTIONS.code());
      first.close();
    }
  }

  @Test
  void theGatewayClosesAConnectionPingingOverTheConfiguredControlFrameRateWith1008(
      @TempDir Path data) throws Exception {
    try (TestServer node =
            TestServer.start(
                data,
                Map.of(
                    Setting.LIMITS_RATE_CONTROL_PER_SECOND, "1",
                    Setting.LIMITS_RATE_CONTROL_BURST, "2"));
        RawSocket s = RawSocket.connect("127.0.0.1", node.ws().getPort())) {
      s.upgrade("127.0.0.1", "/ws", Encoding.JSON);
      for (int i = 0; i < 2; i++) {
        s.write(RawSocket.ping(new byte[] {(byte) i}));
        assertThat(s.readFrame(WAIT).opcode()).isEqualTo(RawSocket.PONG);
      }

      s.write(RawSocket.ping(new byte[] {3}));
      s.awaitClosed(WAIT);

      assertThat(s.closeFrames())
          .singleElement()
          .satisfies(f -> assertThat(f.closeCode()).isEqualTo(1008));
      assertThat(TestServer.untagged(get(node, "/metrics", "").body()))
          .containsPattern("warbler_gateway_control_floods_total 1\\.0")
          .contains("warbler_gateway_outbound_queued_bytes", "warbler_gateway_direct_memory_bytes");
    }
  }

  private static ClientFrame auth(String token) {
    return ClientFrame.newBuilder()
        .setId("auth")
        .setAuth(Auth.newBuilder().setToken(token))
        .build();
  }

  private static ClientFrame sync(String id) {
    return ClientFrame.newBuilder()
        .setId(id)
        .setSync(dev.warbler.protocol.v1.Sync.newBuilder())
        .build();
  }
}
