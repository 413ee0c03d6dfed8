package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bus.kind} chooses the bus (ADR 0019): {@code local} by default; anything else but {@code
 * nats} fails the start naming the setting, and an unreachable NATS fails it too, with the store
 * closed again, so a valid node starts on the same data directory afterwards.
 */
class BusKindTest {

  @Test
  void theDefaultBusIsTheInProcessOne() {
    assertThat(Settings.defaults().string(Setting.BUS_KIND)).isEqualTo("local");
  }

  @Test
  void anUnknownKindFailsTheStartNamingTheSetting(@TempDir Path dir) {
    Path data = dir.resolve("data");

    assertThatThrownBy(() -> TestServer.start(data, Map.of(Setting.BUS_KIND, "pigeon")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bus.kind must be local or nats but was 'pigeon'");

    try (TestServer server = TestServer.start(data)) {
      assertThat(server.call("GET", "/readyz", null).status()).isEqualTo(200);
    }
  }

  @Test
  void anUnreachableNatsFailsTheStartAndLetsTheDataDirectoryGo(@TempDir Path dir) {
    Path data = dir.resolve("data");

    // Port 1 on loopback: nothing listens there.
    assertThatThrownBy(() ->
            TestServer.start(
                data,
                Map.of(
                    Setting.BUS_KIND, "nats",
                    Setting.BUS_NATS_SERVERS, "nats://127.0.0.1:1")))
        .hasMessageContaining("127.0.0.1:1");

    try (TestServer server = TestServer.start(data)) {
      assertThat(server.call("GET", "/readyz", null).status()).isEqualTo(200);
    }
  }
}
