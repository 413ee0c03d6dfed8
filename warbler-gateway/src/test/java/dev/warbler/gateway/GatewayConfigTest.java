package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.protocol.Encoding;
import dev.warbler.testkit.RawClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    GatewayConfig c = GatewayConfig.defaults();

    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(7070);
    assertThat(c.path()).isEqualTo("/ws");
    assertThat(c.maxFrameBytes()).isEqualTo(65_536);
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.authTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.maxOutboundBytes()).isEqualTo(1024 * 1024);
    assertThat(c.allowedOrigins()).isEmpty();
    assertThat(c.compression()).isFalse();
  }

  @Test
  void badValuesAreRefusedNamingTheFieldAndTheValue() {
    GatewayConfig c = GatewayConfig.defaults();

    assertThatThrownBy(() -> c.withMaxFrameBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max frame bytes must be positive but was -1");
    assertThatThrownBy(() -> c.withPort(70_000)).hasMessage("port must be 0-65535 but was 70000");
    assertThatThrownBy(() -> c.withIdleTimeout(Duration.ZERO))
        .hasMessage("idle timeout must be positive but was PT0S");
    assertThatThrownBy(() -> c.withMaxOutboundBytes(0))
        .hasMessage("max outbound bytes must be positive but was 0");
  }

  @Test
  void theAllowedOriginsAreCopied() {
    List<String> origins = new ArrayList<>(List.of("https://a.example"));
    GatewayConfig c = GatewayConfig.defaults().withAllowedOrigins(origins);

    origins.add("https://b.example");

    assertThat(c.allowedOrigins()).containsExactly("https://a.example");
  }

  @Test
  void aGatewayWithCompressionServesClientsThatDoNotOfferIt() {
    try (TestGateway server = new TestGateway(GatewayConfig.defaults().withCompression(true))) {
      RawClient client = server.login(server.newUser(), Encoding.PROTO);

      assertThat(client.request(GatewayMessagingTest.ping("p1")).hasPong()).isTrue();
      client.close();
      assertThat(client.awaitClose(WAIT)).isEqualTo(1000);
    }
  }

  @Test
  void startingTwiceIsRefused() {
    try (TestGateway server = new TestGateway()) {
      assertThatThrownBy(server.gateway::start).isInstanceOf(IllegalStateException.class);
    }
  }
}
