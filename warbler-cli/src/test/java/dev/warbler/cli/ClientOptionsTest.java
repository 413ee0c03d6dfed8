package dev.warbler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientOptionsTest {
  @TempDir Path dir;

  private Environment env(Map<String, String> variables) {
    return new Environment(variables, dir, new ByteArrayInputStream(new byte[0]), ZoneOffset.UTC);
  }

  @Test
  void theAdminKeyComesFromTheEnvironmentFirst() throws IOException {
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/admin.key"), "from-file\n");

    assertThat(new ClientOptions().adminKey(env(Map.of("WARBLER_ADMIN_KEY", "from-env"))))
        .isEqualTo("from-env");
  }

  @Test
  void withoutTheVariableTheKeyFileInDataIsRead() throws IOException {
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/admin.key"), "wk_generated\n");

    assertThat(new ClientOptions().adminKey(env(Map.of()))).isEqualTo("wk_generated");
  }

  @Test
  void theDataDirectoryVariableMovesTheKeyFile() throws IOException {
    Files.createDirectories(dir.resolve("elsewhere"));
    Files.writeString(dir.resolve("elsewhere/admin.key"), "wk_elsewhere");

    assertThat(new ClientOptions().adminKey(env(Map.of("WARBLER_DATA_DIR", "elsewhere"))))
        .isEqualTo("wk_elsewhere");
  }

  @Test
  void anAdminKeyFileOptionWinsOverTheEnvironment() throws IOException {
    Files.writeString(dir.resolve("my.key"), "from-option");
    ClientOptions options = new ClientOptions();
    options.adminKeyFile = Path.of("my.key");

    assertThat(options.adminKey(env(Map.of("WARBLER_ADMIN_KEY", "from-env"))))
        .isEqualTo("from-option");
  }

  @Test
  void noKeyAnywhereIsAClearError() {
    assertThatThrownBy(() -> new ClientOptions().adminKey(env(Map.of())))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("WARBLER_ADMIN_KEY")
        .hasMessageContaining("admin.key");
  }

  @Test
  void theServerComesFromTheOptionThenTheVariableThenTheDefault() {
    ClientOptions options = new ClientOptions();
    assertThat(options.server(env(Map.of()))).isEqualTo(URI.create("http://127.0.0.1:8080"));
    assertThat(options.server(env(Map.of("WARBLER_SERVER", "http://chat.example:9000"))))
        .isEqualTo(URI.create("http://chat.example:9000"));
    options.server = "https://other.example";
    assertThat(options.server(env(Map.of("WARBLER_SERVER", "http://chat.example:9000"))))
        .isEqualTo(URI.create("https://other.example"));
  }

  @Test
  void aServerThatIsNotAnHttpUrlIsRejected() {
    ClientOptions options = new ClientOptions();
    options.server = "ws://127.0.0.1:7070/ws";

    assertThatThrownBy(() -> options.server(env(Map.of())))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("--server must be an http(s) URL");
  }
}
