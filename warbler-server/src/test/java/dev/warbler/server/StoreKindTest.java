package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.server.cluster.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store.kind} chooses the store bundle (ADR 0017): {@code sqlite} by default, or {@code
 * postgres} (ADR 0021); anything else fails the start with a message naming the setting, before a
 * store opens, and so does an unreachable PostgreSQL, naming its URL but never the password.
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

  @Test
  void thePostgresKindKeepsTheDataInPostgresAndNoneInTheDataDirectory(@TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("data");
    String schema = TestPostgres.newSchema("sk");
    try {
      try (TestServer server = TestServer.start(data, TestPostgres.storeSettings(schema))) {
        assertThat(server.call("GET", "/readyz", null).status()).isEqualTo(200);
      }
      assertThat(TestPostgres.rows(schema, "apps")).isPositive();
      Path db = data.resolve(DataDirectory.DATABASE_FILE);
      assertThat(Files.notExists(db) || Files.size(db) == 0).as("untouched " + db).isTrue();
    } finally {
      TestPostgres.drop(schema);
    }
  }

  @Test
  void anUnreachablePostgresFailsTheStartNamingItsUrlNotThePasswordAndLetsTheDataDirectoryGo(
      @TempDir Path dir) {
    Path data = dir.resolve("data");

    // Port 1 on loopback: nothing listens there.
    assertThatThrownBy(() ->
            TestServer.start(
                data,
                Map.of(
                    Setting.STORE_KIND, "postgres",
                    Setting.STORE_POSTGRES_URL, "jdbc:postgresql://127.0.0.1:1/warbler",
                    Setting.STORE_POSTGRES_PASSWORD, "pg-secret-never-shown",
                    Setting.STORE_POSTGRES_CONNECT_TIMEOUT_MS, "500")))
        .hasMessageContaining("cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:1/warbler")
        .hasMessageNotContaining("pg-secret-never-shown");

    try (TestServer server = TestServer.start(data)) {
      assertThat(server.call("GET", "/readyz", null).status()).isEqualTo(200);
    }
  }

  @Test
  void aBadPostgresSchemaNameFailsTheStartNamingTheSetting(@TempDir Path dir) {
    assertThatThrownBy(() ->
            TestServer.start(
                dir.resolve("data"),
                Map.of(
                    Setting.STORE_KIND, "postgres",
                    Setting.STORE_POSTGRES_SCHEMA, "Warbler-Data")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("store.postgres.schema");
  }
}
