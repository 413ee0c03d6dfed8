package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @Test
  void defaultsAreTheDocumentedOnesWithDurableStorage() {
    Settings s = Settings.defaults();
    assertThat(s.integer(Setting.GATEWAY_PORT)).isEqualTo(7070);
    assertThat(s.integer(Setting.HTTP_PORT)).isEqualTo(8080);
    assertThat(s.integer(Setting.GATEWAY_MAX_FRAME_BYTES)).isEqualTo(65536);
    assertThat(s.string(Setting.STORE_DURABILITY)).isEqualTo("FULL");
    assertThat(s.bool(Setting.GATEWAY_COMPRESSION)).isFalse();
  }

  @Test
  void theFileOverridesDefaultsAndTheEnvironmentOverridesTheFile(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("warbler.properties");
    Files.writeString(file, "gateway.port=7171\nhttp.port=8181\n");
    Settings s =
        Settings.load(
            Optional.of(file),
            Map.of("WARBLER_HTTP_PORT", "8282", "WARBLER_ADMIN_KEY", "k-from-env"));
    assertThat(s.integer(Setting.GATEWAY_PORT)).isEqualTo(7171);
    assertThat(s.integer(Setting.HTTP_PORT)).isEqualTo(8282);
    assertThat(s.string(Setting.AUTH_ADMIN_KEY)).isEqualTo("k-from-env");
  }

  @Test
  void unknownKeysAndBadValuesAreClearErrors(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "gateway.prot=1\n");
    assertThatThrownBy(() -> Settings.load(Optional.of(file), Map.of()))
        .hasMessageContaining("unknown setting 'gateway.prot'");
    Settings s = Settings.defaults().with(Setting.HTTP_PORT, "eighty");
    assertThatThrownBy(() -> s.integer(Setting.HTTP_PORT))
        .hasMessageContaining("http.port must be an integer but was 'eighty'")
        .hasMessageContaining("WARBLER_HTTP_PORT");
  }

  @Test
  void everySettingHasADescriptionAndAnEnvironmentVariable() {
    for (Setting s : Setting.values()) {
      assertThat(s.description()).as(s.key()).isNotBlank();
      assertThat(s.environmentVariable()).startsWith("WARBLER_").doesNotContain(".", "-");
    }
  }

  @Test
  void theLocalClusterExampleOfTheReadmeNamesOnlyRealSettingsAndMakesAClusterNode() {
    Settings s =
        Settings.load(
            Optional.of(Path.of("..", "deploy", "local", "cluster.properties")),
            Map.of("WARBLER_BUS_NODE_ID", "node1"));
    assertThat(s.string(Setting.STORE_KIND)).isEqualTo("postgres");
    assertThat(s.string(Setting.BUS_KIND)).isEqualTo("nats");
    assertThat(s.string(Setting.BUS_NODE_ID)).isEqualTo("node1");
  }
}
