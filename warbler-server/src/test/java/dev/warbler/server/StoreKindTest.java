package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store.kind} chooses the store bundle (ADR 0017): {@code sqlite} by default and the only
 * kind for now; anything else fails the start with a message naming the setting, before a store
 * opens.
 */
class StoreKindTest {

  @Test
  void theDefaultKindIsTheEmbeddedSqliteStore(@TempDir Path dir) {
    assertThat(Settings.defaults().string(Setting.STORE_KIND)).isEqualTo("sqlite");

    try (TestServer server = TestServer.start(dir.resolve("data"))) {
      assertThat(server.call("GET", "/readyz", null).status()).isEqualTo(200);
    }
    assertThat(dir.resolve("data").resolve(DataDirectory.DATABASE_FILE)).isNotEmptyFile();
  }

  @Test
  void theKindIsReadWithoutRegardToCaseOrSurroundingSpace(@TempDir Path dir) {
    try (TestServer server =
        TestServer.start(dir.resolve("data"), Map.of(Setting.STORE_KIND, " SQLite "))) {
      assertThat(server.call("GET", "/readyz", null).status()).isEqualTo(200);
    }
  }

  @Test
  void anUnknownKindFailsTheStartNamingTheSettingAndOpensNoStore(@TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("data");

    assertThatThrownBy(() -> TestServer.start(data, Map.of(Setting.STORE_KIND, "postgresql")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("store.kind must be sqlite or postgres but was 'postgresql'");

    // The data directory creates the file empty (for its permissions); no store wrote to it.
    Path db = data.resolve(DataDirectory.DATABASE_FILE);
    assertThat(Files.notExists(db) || Files.size(db) == 0).as("untouched " + db).isTrue();
    // The data directory was let go: a node with a valid kind starts on it.
    try (TestServer server = TestServer.start(data)) {
      assertThat(server.call("GET", "/readyz", null).status()).isEqualTo(200);
    }
  }
}
