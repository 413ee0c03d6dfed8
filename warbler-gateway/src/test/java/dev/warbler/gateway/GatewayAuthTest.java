package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static dev.warbler.gateway.TestGateway.auth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warbler.core.directory.App;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GatewayAuthTest {
  private static TestGateway server;

  @BeforeAll
  static void start() {
    server = new TestGateway();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void aValidTokenIsAnsweredWithAuthOkInEitherEncoding(Encoding encoding) {
    String alice = server.newUser();
    RawClient client = server.connect(encoding);

    ServerFrame answer = client.request(auth("a1", server.token(alice)));

    assertThat(client.selectedSubprotocol()).isEqualTo(encoding.subprotocol());
    assertThat(answer.getId()).isEqualTo("a1");
    AuthOk ok = answer.getAuthOk();
    assertThat(ok.getApp()).isEqualTo("acme");
    assertThat(ok.getUser()).isEqualTo(alice);
    assertThat(ok.getSession()).hasSize(22);
    assertThat(ok.getServerTime()).isPositive();
    assertThat(ok.getIdleTimeoutSeconds()).isEqualTo(60);
    assertThat(ok.getMaxFrameBytes()).isEqualTo(65_536);
    assertThat(ok.getMaxMessageBytes()).isEqualTo(32 * 1024);
    await().atMost(WAIT).until(() -> server.sessions.online("acme", alice));
  }

  @Test
  void aClientOfferingNoSubprotocolSpeaksJson() {
    String alice = server.newUser();
    RawClient client = server.track(RawClient.connectWithoutSubprotocol(server.uri()));

    client.sendRaw("{\"id\":\"a1\",\"auth\":{\"token\":\"" + server.token(alice) + "\"}}");

    assertThat(client.selectedSubprotocol()).isEmpty();
    assertThat(client.next(WAIT).getAuthOk().getUser()).isEqualTo(alice);
  }

  @Test
  void aMatchingAppInTheAuthFrameIsAccepted() {
    String alice = server.newUser();
    RawClient client = server.connect(Encoding.JSON);

    ServerFrame answer =
        client.request(
            ClientFrame.newBuilder()
                .setId("a1")
                .setAuth(Auth.newBuilder().setToken(server.token(alice)).setApp("acme"))
                .build());

    assertThat(answer.hasAuthOk()).as("%s", answer).isTrue();
  }

  @Test
  void aTokenWithABadSignatureIsRefusedWith4100() throws Exception {
    String alice = server.newUser();
    String forged =
        sign(alice, "acme", "not-the-secret-of-acme-but-32-bytes!", Duration.ofHours(1));

    assertRefused(forged, ErrorCode.TOKEN_INVALID, 4100);
  }

  @Test
  void anExpiredTokenIsRefusedWith4102() {
    String alice = server.newUser();
    String expired = server.tokens.issue(server.app, alice, Duration.ofMinutes(-5));

    assertRefused(expired, ErrorCode.TOKEN_EXPIRED, 4102);
  }

  @Test
  void anUnsignedAlgNoneTokenIsRefusedWith4100() {
    String alice = server.newUser();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    long exp = System.currentTimeMillis() / 1000 + 3600;
    String none =
        b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(
                ("{\"sub\":\"" + alice + "\",\"app\":\"acme\",\"exp\":" + exp + "}")
                    .getBytes(StandardCharsets.UTF_8))
            + ".";

    assertRefused(none, ErrorCode.TOKEN_INVALID, 4100);
  }

  @Test
  void aTokenOfAnotherAppThanTheOneAskedForIsRefusedWithWrongApp() {
    App other = server.directory.createApp("other", "Other");
    server.directory.createUser("other", "mallory", "Mallory");
    String token = server.tokens.issue(other, "mallory", Duration.ofMinutes(5));
    RawClient client = server.connect(Encoding.JSON);

    ServerFrame answer =
        client.request(
            ClientFrame.newBuilder()
                .setId("a1")
                .setAuth(Auth.newBuilder().setToken(token).setApp("acme"))
                .build());

    assertThat(answer.getError().getName()).isEqualTo(ErrorCode.WRONG_APP.name());
    assertThat(answer.getError().getCode()).isEqualTo(ErrorCode.WRONG_APP.code());
    assertThat(client.next(WAIT).getClosing().getCode()).isEqualTo(4100);
    assertThat(client.awaitClose(WAIT)).isEqualTo(4100);
  }

  @Test
  void aTokenForAUserThatDoesNotExistIsRefusedWithUserNotFound() {
    assertRefused(server.token("ghost"), ErrorCode.USER_NOT_FOUND, 4100);
  }

  @Test
  void aRequestBeforeAuthIsAnsweredUnauthenticatedAndClosedWith4104() {
    RawClient client = server.connect(Encoding.JSON);

    client.send(ClientFrame.newBuilder().setId("p1").setPing(Ping.newBuilder()).build());

    ServerFrame error = client.next(WAIT);
    assertThat(error.getId()).isEqualTo("p1");
    assertThat(error.getError().getName()).isEqualTo(ErrorCode.UNAUTHENTICATED.name());
    ServerFrame closing = client.next(WAIT);
    assertThat(closing.getClosing().getCode()).isEqualTo(4104);
    assertThat(closing.getClosing().getReconnect()).isFalse();
    assertThat(client.awaitClose(WAIT)).isEqualTo(4104);
  }

  @Test
  void garbageBeforeAuthIsAnsweredMalformedAndClosedWith4104() {
    RawClient client = server.connect(Encoding.JSON);

    client.sendRaw("{\"id\":\"g1\", this is not json");

    ServerFrame error = client.next(WAIT);
    assertThat(error.getId()).isEqualTo("g1");
    assertThat(error.getError().getName()).isEqualTo(ErrorCode.MALFORMED_FRAME.name());
    assertThat(client.awaitClose(WAIT)).isEqualTo(4104);
  }

  @Test
  void aSecondAuthIsRefusedAndTheConnectionStays() {
    String alice = server.newUser();
    RawClient client = server.login(alice);

    ServerFrame again = client.request(auth("a2", server.token(alice)));
    ServerFrame pong =
        client.request(ClientFrame.newBuilder().setId("p1").setPing(Ping.newBuilder()).build());

    assertThat(again.getError().getName()).isEqualTo(ErrorCode.ALREADY_AUTHENTICATED.name());
    assertThat(pong.hasPong()).isTrue();
  }

  @Test
  void framesSentRightAfterAuthAreServedOnceAuthenticated() {
    String alice = server.newUser();
    RawClient client = server.connect(Encoding.PROTO);

    client.send(auth("a1", server.token(alice)));
    for (int i = 0; i < 5; i++) {
      client.send(
          ClientFrame.newBuilder()
              .setId("p" + i)
              .setPing(Ping.newBuilder().setClientTime(i))
              .build());
    }

    assertThat(client.next(WAIT).hasAuthOk()).isTrue();
    for (int i = 0; i < 5; i++) {
      ServerFrame pong = client.next(WAIT);
      assertThat(pong.getId()).isEqualTo("p" + i);
      assertThat(pong.getPong().getClientTime()).isEqualTo(i);
    }
  }

  @Test
  void theConnectionClosesWith4102WhenTheTokenExpires() {
    String alice = server.newUser();
    RawClient client = server.connect(Encoding.JSON);
    String shortLived = server.tokens.issue(server.app, alice, Duration.ofMillis(300));

    assertThat(client.request(auth("a1", shortLived)).hasAuthOk()).isTrue();

    ServerFrame closing = client.next(WAIT);
    assertThat(closing.getClosing().getCode()).isEqualTo(4102);
    assertThat(client.awaitClose(WAIT)).isEqualTo(4102);
  }

  @Test
  void closingAConnectionRemovesItsSession() {
    String alice = server.newUser();
    RawClient client = server.login(alice);
    await().atMost(WAIT).until(() -> server.sessions.online("acme", alice));

    client.close();

    await().atMost(WAIT).until(() -> !server.sessions.online("acme", alice));
  }

  @Test
  void authFailuresAreCounted() {
    double before = server.counter("warbler.gateway.auth.failures");

    assertRefused(server.token("nobody"), ErrorCode.USER_NOT_FOUND, 4100);

    assertThat(server.counter("warbler.gateway.auth.failures")).isEqualTo(before + 1);
  }

  private static void assertRefused(String token, ErrorCode code, int closeCode) {
    RawClient client = server.connect(Encoding.JSON);

    ServerFrame answer = client.request(auth("a1", token));

    assertThat(answer.getId()).isEqualTo("a1");
    assertThat(answer.getError().getName()).isEqualTo(code.name());
    assertThat(answer.getError().getCode()).isEqualTo(code.code());
    assertThat(answer.getError().getRetryable()).isFalse();
    ServerFrame closing = client.next(WAIT);
    assertThat(closing.getClosing().getCode()).isEqualTo(closeCode);
    assertThat(closing.getClosing().getReconnect()).isFalse();
    assertThat(client.awaitClose(WAIT)).isEqualTo(closeCode);
  }

  private static String sign(String user, String app, String secret, Duration ttl)
      throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(user)
            .claim("app", app)
            .expirationTime(new Date(System.currentTimeMillis() + ttl.toMillis()))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }
}
