package dev.warbler.bus.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatsConfigTest {

  @Test
  void theDefaultsPointAtTheLocalNats() {
    NatsConfig c = NatsConfig.defaults();

    assertThat(c.servers()).containsExactly("nats://127.0.0.1:4222");
    assertThat(c.subjectPrefix()).isEqualTo("warbler");
    assertThat(c.presenceBucket()).isEqualTo("warbler-presence");
  }

  @Test
  void badValuesAreRefusedNamingTheFieldAndTheValue() {
    NatsConfig c = NatsConfig.defaults();

    assertThatThrownBy(() -> c.withServers(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nats servers");
    assertThatThrownBy(() -> c.withSubjectPrefix("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a b'");
    assertThatThrownBy(() -> c.withPresenceBucket("a.b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("presence bucket")
        .hasMessageContaining("'a.b'");
    assertThatThrownBy(() ->
            new NatsConfig(
                c.servers(),
                c.connectionName(),
                c.subjectPrefix(),
                c.presenceBucket(),
                Duration.ZERO,
                c.maxReconnects(),
                c.reconnectWait(),
                c.drainTimeout(),
                c.presenceMaxAttempts(),
                c.jetStreamDomain(),
                c.nodeTimeout()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nats connect timeout must be positive but was PT0S");
    assertThatThrownBy(() -> c.withNodeTimeout(Duration.ofMillis(999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nats node timeout must be at least 1 second but was PT0.999S");
  }

  @Test
  void aNodeThatCannotReachNatsFailsNamingTheServers() {
    NatsConfig nowhere = NatsConfig.defaults().withServers(List.of("nats://127.0.0.1:1"));

    assertThatThrownBy(() -> NatsBus.connect("a", nowhere))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("NATS is not reachable at [nats://127.0.0.1:1]");
    assertThatThrownBy(() -> NatsPresenceRegistry.connect("a", nowhere))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("NATS is not reachable at [nats://127.0.0.1:1]");
  }
}
