package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token guessing over the WebSocket is throttled per client address like key guessing over REST:
 * after the burst of tokens whose signature does not verify, an {@code auth} from that address is
 * refused unread with RATE_LIMITED and close 1013 (the right token too); behind a trusted proxy
 * each forwarded client has its own budget.
 */
class GatewayAuthThrottleTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String FORGED =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImFwcCI6ImRlZmF1bHQifQ."
          + "c2lnbmF0dXJlLXRoYXQtZG9lcy1ub3QtdmVyaWZ5LWF0LWFsbC0wMDA";

  @TempDir Path dir;
  private final List<RawClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(RawClient::close);
  }

  private ServerFrame auth(TestServer node, String token, Map<String, String> headers) {
    RawClient c = RawClient.connect(node.ws(), Encoding.JSON, headers);
    clients.add(c);
    return c.request(
        ClientFrame.newBuilder().setId("a").setAuth(Auth.newBuilder().setToken(token)).build(),
        WAIT);
  }

  private RawClient last() {
    return clients.getLast();
  }

  private static String metrics(TestServer node) throws Exception {
    return TestServer.untagged(
        node.http
            .send(
                HttpRequest.newBuilder(node.http("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body());
  }

  @Test
  void forgedTokensFromOneAddressAreThrottledAndThenEvenAValidTokenWaits() throws Exception {
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_BURST, "2",
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "1"))) {
      node.createUser("default", "alice");
      String token = node.token("default", "alice");
      for (int i = 0; i < 2; i++) {
        assertThat(auth(node, FORGED, Map.of()).getError().getName()).isEqualTo("TOKEN_INVALID");
        assertThat(last().awaitClose(WAIT)).isEqualTo(4100);
      }
      ServerFrame throttled = auth(node, token, Map.of());
      assertThat(throttled.getError().getName()).isEqualTo("RATE_LIMITED");
      assertThat(throttled.getError().getRetryAfterMs()).isBetween(1L, 60_000L);
      assertThat(throttled.getError().getMessage()).contains("limits.auth-failures");
      assertThat(last().awaitClose(WAIT)).isEqualTo(1013);
      String m = metrics(node);
      assertThat(m)
          .contains("warbler_auth_failures_total{surface=\"gateway\"} 2.0")
          .contains("warbler_auth_throttled_total{surface=\"gateway\"} 1.0")
          .contains("warbler_gateway_auth_failures_total{reason=\"throttled\"} 1.0");
    }
  }

  @Test
  void anExpiredOrOtherwiseValidButRefusedTokenIsNotAGuess() throws Exception {
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_BURST, "1",
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "1"))) {
      node.createUser("default", "alice");
      String token = node.token("default", "alice");
      node.call("POST", "/v1/apps/default/users/alice/tokens/revoke", null);
      for (int i = 0; i < 3; i++) {
        assertThat(auth(node, token, Map.of()).getError().getName()).isEqualTo("TOKEN_REVOKED");
      }
      String fresh = node.token("default", "alice");
      assertThat(auth(node, fresh, Map.of()).hasAuthOk()).isTrue();
    }
  }

  @Test
  void behindATrustedProxyEachForwardedClientHasItsOwnBudgetAndIsAuditedByItsAddress()
      throws Exception {
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_BURST, "1",
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "1",
                Setting.HTTP_TRUSTED_PROXIES, "127.0.0.1"))) {
      node.createUser("default", "alice");
      String token = node.token("default", "alice");
      Map<String, String> guesser = Map.of("X-Forwarded-For", "203.0.113.9");
      assertThat(auth(node, FORGED, guesser).getError().getName()).isEqualTo("TOKEN_INVALID");
      assertThat(auth(node, token, guesser).getError().getName()).isEqualTo("RATE_LIMITED");
      assertThat(auth(node, token, Map.of("X-Forwarded-For", "198.51.100.4")).hasAuthOk()).isTrue();
      TestServer.Reply audit = node.call("GET", "/v1/audit?action=auth.failed", null);
      assertThat(audit.body().get("items").get(0).get("ip").asText()).isEqualTo("203.0.113.9");
    }
  }
}
