package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SubscribePresence;
import dev.warbler.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting or banning a user, or revoking its tokens, closes its open connections within one second
 * of the REST call, over real sockets, with the documented close code and reason; the revoked
 * credentials stay refused (across a restart too) while newly issued ones work.
 */
class RevocationTest {
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path dir;
  TestServer node;
  final List<RawClient> clients = new ArrayList<>();
  final AtomicInteger ids = new AtomicInteger();

  @BeforeEach
  void start() {
    node = TestServer.start(dir);
    node.createUser("default", "alice");
    node.createUser("default", "bob");
  }

  @AfterEach
  void stop() {
    clients.forEach(RawClient::close);
    node.close();
  }

  private ServerFrame auth(RawClient c, String token) {
    return c.request(
        ClientFrame.newBuilder()
            .setId("a" + ids.incrementAndGet())
            .setAuth(Auth.newBuilder().setToken(token))
            .build());
  }

  private RawClient login(String token, Encoding encoding) {
    RawClient c = RawClient.connect(node.ws(), encoding);
    clients.add(c);
    ServerFrame ok = auth(c, token);
    assertThat(ok.hasAuthOk()).as("%s", ok).isTrue();
    return c;
  }

  private static boolean alive(RawClient c) {
    return c.request(
            ClientFrame.newBuilder().setId("p").setPing(Ping.newBuilder().setClientTime(1)).build())
        .hasPong();
  }

  /** The connection gets {@code closing} then a close frame with {@code code}, both within 1 s. */
  private static void closedWithinOneSecond(RawClient c, long startNanos, int code, String reason) {
    ServerFrame closing = c.next(ONE_SECOND);
    assertThat(closing.getClosing().getCode()).isEqualTo(code);
    assertThat(closing.getClosing().getReason()).isEqualTo(reason);
    assertThat(closing.getClosing().getReconnect()).isFalse();
    long left = ONE_SECOND.toNanos() - (System.nanoTime() - startNanos);
    assertThat(c.awaitClose(Duration.ofNanos(Math.max(1, left)))).isEqualTo(code);
    assertThat(c.closeReason()).isEqualTo(reason);
    long elapsed = System.nanoTime() - startNanos;
    assertThat(elapsed).isLessThanOrEqualTo(ONE_SECOND.toNanos());
    System.out.printf(
        "revocation: close %d (%s) %.1f ms after the REST call%n", code, reason, elapsed / 1e6);
  }

  private void refused(String token, String error, int code) {
    RawClient c = RawClient.connect(node.ws(), Encoding.JSON);
    clients.add(c);
    ServerFrame answer = auth(c, token);
    assertThat(answer.getError().getName()).as("%s", answer).isEqualTo(error);
    assertThat(c.awaitClose(WAIT)).isEqualTo(code);
  }

  @Test
  void deletingAUserClosesEveryConnectionWithin1s() {
    String token = node.token("default", "alice");
    RawClient json = login(token, Encoding.JSON);
    RawClient proto = login(token, Encoding.PROTO);
    RawClient bob = login(node.token("default", "bob"), Encoding.JSON);
    assertThat(
            bob.request(
                    ClientFrame.newBuilder()
                        .setId("w")
                        .setSubscribePresence(SubscribePresence.newBuilder().addUsers("alice"))
                        .build())
                .hasPresenceList())
        .isTrue();

    long start = System.nanoTime();
    assertThat(node.call("DELETE", "/v1/apps/default/users/alice", null).status()).isEqualTo(204);

    closedWithinOneSecond(json, start, 4103, "user deleted");
    closedWithinOneSecond(proto, start, 4103, "user deleted");
    assertThat(alive(bob)).isTrue();
    refused(token, "USER_ID_RETIRED", 4103);
    // Closing the connections records no last-seen time for the deleted user: once its watcher
    // heard it go offline, the time noted then is dropped.
    bob.await(f -> f.hasPresenceEvent() && !f.getPresenceEvent().getOnline(), WAIT);
    await()
        .atMost(WAIT)
        .untilAsserted(() -> {
          JsonNode alice =
              node.call("GET", "/v1/apps/default/presence?users=alice", null)
                  .body()
                  .get("items")
                  .get(0);
          assertThat(alice.get("online").asBoolean()).isFalse();
          assertThat(alice.get("lastSeen").asLong()).isZero();
        });
  }

  @Test
  void banningAUserClosesItsConnectionsWithin1sAndRefusesItUntilUnbanned() {
    String token = node.token("default", "alice");
    RawClient json = login(token, Encoding.JSON);
    RawClient proto = login(token, Encoding.PROTO);
    RawClient bob = login(node.token("default", "bob"), Encoding.JSON);

    long start = System.nanoTime();
    TestServer.Reply ban =
        node.call("PUT", "/v1/apps/default/users/alice/ban", Map.of("reason", "spam"));
    assertThat(ban.status()).isEqualTo(200);
    closedWithinOneSecond(json, start, 4105, "user banned");
    closedWithinOneSecond(proto, start, 4105, "user banned");
    assertThat(ban.body().get("banned").asBoolean()).isTrue();
    assertThat(ban.body().get("banReason").asText()).isEqualTo("spam");
    assertThat(alive(bob)).isTrue();

    refused(token, "USER_BANNED", 4105);
    TestServer.Reply issue = node.call("POST", "/v1/apps/default/users/alice/tokens", Map.of());
    assertThat(issue.status()).isEqualTo(403);
    assertThat(issue.body().get("title").asText()).isEqualTo("USER_BANNED");
    assertThat(
            node.call("GET", "/v1/apps/default/users/alice/access", null)
                .body()
                .get("banned")
                .asBoolean())
        .isTrue();

    assertThat(node.call("DELETE", "/v1/apps/default/users/alice/ban", null).status())
        .isEqualTo(204);
    login(token, Encoding.JSON); // a ban does not revoke tokens: lifting it restores them
    login(node.token("default", "alice"), Encoding.JSON);
  }

  @Test
  void revokingAllTokensOfAUserClosesItsConnectionsWithin1sAndANewTokenWorks() {
    String first = node.token("default", "alice");
    String second = node.token("default", "alice");
    RawClient a = login(first, Encoding.JSON);
    RawClient b = login(second, Encoding.PROTO);
    RawClient bob = login(node.token("default", "bob"), Encoding.JSON);

    long start = System.nanoTime();
    TestServer.Reply revoke = node.call("POST", "/v1/apps/default/users/alice/tokens/revoke", null);
    assertThat(revoke.status()).isEqualTo(200);
    closedWithinOneSecond(a, start, 4106, "tokens revoked");
    closedWithinOneSecond(b, start, 4106, "tokens revoked");
    assertThat(revoke.body().get("tokensNotBefore").asLong()).isPositive();
    assertThat(alive(bob)).isTrue();

    refused(first, "TOKEN_REVOKED", 4106);
    refused(second, "TOKEN_REVOKED", 4106);
    // Issued right away, in the same second as the revocation: it works.
    String fresh = node.token("default", "alice");
    assertThat(alive(login(fresh, Encoding.JSON))).isTrue();
  }

  @Test
  void revokingOneTokenClosesOnlyItsConnectionsWithin1s() {
    String revoked = node.token("default", "alice");
    String kept = node.token("default", "alice");
    RawClient a = login(revoked, Encoding.JSON);
    RawClient a2 = login(revoked, Encoding.PROTO);
    RawClient b = login(kept, Encoding.JSON);

    long start = System.nanoTime();
    TestServer.Reply revoke =
        node.call("POST", "/v1/apps/default/tokens/revoke", Map.of("token", revoked));
    assertThat(revoke.status()).isEqualTo(204);
    closedWithinOneSecond(a, start, 4106, "token revoked");
    closedWithinOneSecond(a2, start, 4106, "token revoked");
    assertThat(alive(b)).isTrue();

    refused(revoked, "TOKEN_REVOKED", 4106);
    login(kept, Encoding.JSON);
    login(node.token("default", "alice"), Encoding.JSON);
  }

  @Test
  void bansAndRevocationsSurviveARestart() {
    node.createUser("default", "carol");
    String aliceToken = node.token("default", "alice");
    String bobOld = node.token("default", "bob");
    String carolOld = node.token("default", "carol");
    node.call("PUT", "/v1/apps/default/users/alice/ban", Map.of());
    node.call("POST", "/v1/apps/default/users/bob/tokens/revoke", null);
    node.call("POST", "/v1/apps/default/tokens/revoke", Map.of("token", carolOld));
    node.close();

    node = TestServer.start(dir);
    refused(aliceToken, "USER_BANNED", 4105);
    refused(bobOld, "TOKEN_REVOKED", 4106);
    refused(carolOld, "TOKEN_REVOKED", 4106);
    login(node.token("default", "bob"), Encoding.JSON);
    login(node.token("default", "carol"), Encoding.JSON);
  }

  @Test
  void aTokenClaimingToBeIssuedAfterTheRevocationIsRefusedInsteadOfSurvivingIt() throws Exception {
    String secret =
        node.call("POST", "/v1/apps", Map.of("id", "clinic")).body().get("secret").asText();
    node.createUser("clinic", "nurse");
    long now = System.currentTimeMillis();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject("nurse")
            .claim("app", "clinic")
            .issueTime(new Date(now + 3_600_000))
            .expirationTime(new Date(now + 7_200_000))
            .build();
    SignedJWT future = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    future.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));

    assertThat(node.call("POST", "/v1/apps/clinic/users/nurse/tokens/revoke", null).status())
        .isEqualTo(200);

    refused(future.serialize(), "TOKEN_INVALID", 4100);
    login(node.token("clinic", "nurse"), Encoding.JSON); // an issued token works at once
  }

  @Test
  void revokeTokenRefusesForeignAndBrokenTokens() {
    node.call("POST", "/v1/apps", Map.of("id", "other"));
    node.createUser("other", "zed");
    TestServer.Reply foreign =
        node.call(
            "POST", "/v1/apps/default/tokens/revoke", Map.of("token", node.token("other", "zed")));
    assertThat(foreign.status()).isEqualTo(400);
    TestServer.Reply broken =
        node.call("POST", "/v1/apps/default/tokens/revoke", Map.of("token", "a.b.c"));
    assertThat(broken.status()).isEqualTo(400);
    assertThat(
            node.call("PUT", "/v1/apps/default/users/nobody/ban", Map.of())
                .body()
                .get("title")
                .asText())
        .isEqualTo("USER_NOT_FOUND");
  }

  @Test
  void rotatingAnAppSecretRetiresTheOldSecretAndItsTokensAndCanEndOpenSessions() {
    String oldSecret =
        node.call("POST", "/v1/apps", Map.of("id", "bank")).body().get("secret").asText();
    node.createUser("bank", "teller");
    String oldToken = node.token("bank", "teller");
    RawClient kept = login(oldToken, Encoding.JSON);
    RawClient bob = login(node.token("default", "bob"), Encoding.JSON);

    TestServer.Reply rotated = node.call("POST", "/v1/apps/bank/secret/rotate", null, oldSecret);
    assertThat(rotated.status()).isEqualTo(200);
    String newSecret = rotated.body().get("secret").asText();
    assertThat(newSecret).isNotEqualTo(oldSecret).hasSizeGreaterThan(30);
    assertThat(node.call("GET", "/v1/apps/bank", null, oldSecret).status()).isEqualTo(401);
    assertThat(node.call("GET", "/v1/apps/bank", null, newSecret).status()).isEqualTo(200);
    assertThat(alive(kept)).isTrue(); // without endSessions, open connections stay
    refused(oldToken, "TOKEN_INVALID", 4100); // signed with the old secret
    RawClient fresh = login(node.token("bank", "teller"), Encoding.PROTO);

    assertThat(node.call("POST", "/v1/apps/bank/secret/rotate?endSessions=maybe", null).status())
        .isEqualTo(400);
    long start = System.nanoTime();
    assertThat(node.call("POST", "/v1/apps/bank/secret/rotate?endSessions=true", null).status())
        .isEqualTo(200);
    closedWithinOneSecond(kept, start, 4106, "app secret rotated");
    closedWithinOneSecond(fresh, start, 4106, "app secret rotated");
    assertThat(alive(bob)).isTrue(); // another app's connections are not touched
  }
}
