package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import org.junit.jupiter.api.Test;

class GatewayShutdownTest {

  @Test
  void closingTheGatewayTellsEveryClientToReconnectWith1001() {
    try (TestGateway server = new TestGateway()) {
      RawClient authenticated = server.login(server.newUser(), Encoding.PROTO);
      RawClient unauthenticated = server.connect(Encoding.JSON);
      await().atMost(WAIT).until(() -> server.gateway.connections() == 2);

      server.gateway.close();

      for (RawClient client : new RawClient[] {authenticated, unauthenticated}) {
        ServerFrame closing = client.next(WAIT);
        assertThat(closing.getClosing().getCode()).isEqualTo(1001);
        assertThat(closing.getClosing().getReconnect()).isTrue();
        assertThat(client.awaitClose(WAIT)).isEqualTo(1001);
      }
      assertThat(server.gateway.connections()).isZero();
      assertThat(server.sessions.count()).isZero();
    }
  }

  @Test
  void theConnectionsGaugeFollowsOpenConnections() {
    try (TestGateway server = new TestGateway()) {
      RawClient client = server.login(server.newUser());
      await()
          .atMost(WAIT)
          .until(() -> server.meters.get("warbler.gateway.connections").gauge().value() == 1);

      client.close();

      await()
          .atMost(WAIT)
          .until(() -> server.meters.get("warbler.gateway.connections").gauge().value() == 0);
    }
  }
}
