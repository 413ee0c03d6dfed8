package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import dev.warbler.testkit.TokenVectors;
import dev.warbler.testkit.TokenVectors.Vector;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The malicious token catalog ({@link TokenVectors}): every vector is refused by the token service
 * with its error, and end to end by the gateway: {@code error} with that code on the auth frame,
 * then {@code closing} and a close frame with the vector's close code.
 */
class TokenVectorsTest {
  private static TestGateway server;
  private static String user;
  private static List<Vector> vectors;

  @BeforeAll
  static void start() {
    server = new TestGateway();
    App other = server.directory.createApp("other", "Other");
    user = server.newUser();
    vectors =
        TokenVectors.all(
            TestGateway.APP,
            server.app.secret(),
            other.id(),
            other.secret(),
            user,
            System.currentTimeMillis(),
            30);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ClientFrame auth(String token) {
    return ClientFrame.newBuilder()
        .setId("a1")
        .setAuth(Auth.newBuilder().setToken(token).setApp(TestGateway.APP))
        .build();
  }

  @Test
  void theCatalogHoldsMoreThanTwentyDistinctAttacks() {
    assertThat(vectors).hasSizeGreaterThanOrEqualTo(40);
    assertThat(vectors).extracting(Vector::name).doesNotHaveDuplicates();
    assertThat(vectors).extracting(Vector::token).doesNotHaveDuplicates();
  }

  @Test
  void aGenuineTokenOfTheSameUserIsAccepted() {
    RawClient client = server.connect(Encoding.JSON);
    assertThat(client.request(auth(server.token(user))).hasAuthOk()).isTrue();
  }

  @TestFactory
  Stream<DynamicTest> everyVectorIsRefusedByTheTokenService() {
    return vectors.stream()
        .map(v ->
            DynamicTest.dynamicTest(
                v.name(),
                () ->
                    assertThatThrownBy(
                            () -> {
                              Principal p = server.tokens.verify(v.token());
                              // What the gateway checks next: the app named in the auth frame.
                              if (!p.app().equals(TestGateway.APP)) {
                                throw new WarblerException(ErrorCode.WRONG_APP, "another app");
                              }
                            })
                        .isInstanceOf(WarblerException.class)
                        .extracting(e -> ((WarblerException) e).code())
                        .isEqualTo(v.error())));
  }

  @TestFactory
  Stream<DynamicTest> everyVectorIsRefusedOnTheGatewayWithItsCloseCode() {
    return vectors.stream()
        .map(v ->
            DynamicTest.dynamicTest(
                v.name(),
                () -> {
                  RawClient client = server.connect(Encoding.JSON);
                  ServerFrame answer = client.request(auth(v.token()));
                  assertThat(answer.getError().getName())
                      .as("%s", answer)
                      .isEqualTo(v.error().name());
                  assertThat(answer.getId()).isEqualTo("a1");
                  ServerFrame closing = client.next(WAIT);
                  assertThat(closing.getClosing().getCode()).isEqualTo(v.close().code());
                  assertThat(client.awaitClose(WAIT)).isEqualTo(v.close().code());
                }));
  }
}
