package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's effective {@code PRAGMA synchronous}, read back from the writer connection through
 * the {@code warbler_store_sqlite_synchronous} gauge, for settings resolved the way {@code serve}
 * resolves them (defaults, then a config file, then the environment). The default must be FULL: an
 * fsync per batch commit before any ack. {@code ChaosCrashIT} checks the same gauge on a real
 * {@code warbler.jar serve} process started with no durability setting.
 */
class StoreDurabilityTest {
  private final HttpClient http = HttpClient.newHttpClient();

  /** Starts a node from {@code env} (plus free ports and a temp dir), returns the gauge's value. */
  private String synchronous(Path dir, Map<String, String> extra, Optional<Path> config)
      throws Exception {
    Map<String, String> env = new HashMap<>(extra);
    env.put("WARBLER_DATA_DIR", dir.resolve("data").toString());
    env.put("WARBLER_GATEWAY_HOST", "127.0.0.1");
    env.put("WARBLER_HTTP_HOST", "127.0.0.1");
    env.put("WARBLER_GATEWAY_PORT", "0");
    env.put("WARBLER_HTTP_PORT", "0");
    env.put("WARBLER_ADMIN_KEY", "durability-test-key-0123456789-abcdefghij");
    try (WarblerServer server = WarblerServer.start(Settings.load(config, env))) {
      String metrics = TestServer.untagged(get(server.httpPort(), "/metrics"));
      return metrics
          .lines()
          .filter(l -> l.startsWith("warbler_store_sqlite_synchronous "))
          .map(l -> l.substring(l.lastIndexOf(' ') + 1))
          .findFirst()
          .orElse("absent");
    }
  }

  private String get(int port, String path) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void withNothingConfiguredTheWriterFsyncsEveryCommit(@TempDir Path dir) throws Exception {
    assertThat(synchronous(dir, Map.of(), Optional.empty())).as("2 = FULL").isEqualTo("2.0");
  }

  @Test
  void configuringNormalOrOffWeakensItAndTheGaugeSaysSo(@TempDir Path dir) throws Exception {
    assertThat(
            synchronous(
                dir.resolve("normal"),
                Map.of("WARBLER_STORE_SQLITE_DURABILITY", "NORMAL"),
                Optional.empty()))
        .isEqualTo("1.0");
    Path file =
        Files.writeString(dir.resolve("warbler.properties"), "store.sqlite.durability=off\n");
    assertThat(synchronous(dir.resolve("off"), Map.of(), Optional.of(file))).isEqualTo("0.0");
  }
}
