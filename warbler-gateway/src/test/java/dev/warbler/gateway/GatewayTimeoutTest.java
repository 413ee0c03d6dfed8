package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GatewayTimeoutTest {
  private static TestGateway shortAuth;
  private static TestGateway shortIdle;

  @BeforeAll
  static void start() {
    shortAuth = new TestGateway(GatewayConfig.defaults().withAuthTimeout(Duration.ofMillis(300)));
    shortIdle = new TestGateway(GatewayConfig.defaults().withIdleTimeout(Duration.ofMillis(1500)));
  }

  @AfterAll
  static void stop() {
    shortAuth.close();
    shortIdle.close();
  }

  @Test
  void aTcpConnectionThatNeverUpgradesIsDroppedAfterTheHandshakeTimeout() throws Exception {
    try (TestGateway server =
            new TestGateway(GatewayConfig.defaults().withHandshakeTimeout(Duration.ofMillis(300)));
        Socket socket = new Socket("127.0.0.1", server.port)) {
      socket.setSoTimeout((int) WAIT.toMillis());

      assertThat(socket.getInputStream().read()).isEqualTo(-1);
      assertThat(server.gateway.connections()).isZero();
    }
  }

  @Test
  void aClientThatDoesNotAuthenticateInTimeIsClosedWith4101() {
    RawClient client = shortAuth.connect(Encoding.JSON);

    ServerFrame closing = client.next(WAIT);

    assertThat(closing.getClosing().getCode()).isEqualTo(4101);
    assertThat(closing.getClosing().getReconnect()).isFalse();
    assertThat(client.awaitClose(WAIT)).isEqualTo(4101);
  }

  @Test
  void anAuthenticatedClientThatSendsNothingIsClosedWith4001() {
    RawClient client = shortIdle.login(shortIdle.newUser(), Encoding.PROTO);

    ServerFrame closing = client.next(WAIT);

    assertThat(closing.getClosing().getCode()).isEqualTo(4001);
    assertThat(closing.getClosing().getReconnect()).isTrue();
    assertThat(client.awaitClose(WAIT)).isEqualTo(4001);
  }

  @Test
  void authOkAnnouncesTheIdleTimeoutRoundedUpToSeconds() {
    RawClient client = shortIdle.connect(Encoding.JSON);

    ServerFrame ok = client.request(TestGateway.auth("a1", shortIdle.token(shortIdle.newUser())));

    assertThat(ok.getAuthOk().getIdleTimeoutSeconds()).isEqualTo(2);
  }
}
