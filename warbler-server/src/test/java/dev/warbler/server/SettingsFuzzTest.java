package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Fuzz targets for configuration: a properties file, the environment, and {@code serve}'s flags,
 * each followed by every typed read of every {@link Setting}. Inputs replayed by every build:
 * {@code src/test/resources/dev/warbler/server/SettingsFuzzTestInputs/<method>/}.
 *
 * <p>The contract: settings, or an {@link IllegalArgumentException} whose message names what is
 * wrong (the file, or the setting's key); bad flags are picocli's {@link
 * CommandLine.ParameterException}. Nothing else.
 */
class SettingsFuzzTest {
  private static final Path DIR = tempDir();
  private static final Setting[] SETTINGS = Setting.values();

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void configFiles(byte[] content) throws IOException {
    Path file = Files.write(DIR.resolve("warbler.properties"), content);
    Settings settings;
    try {
      settings = Settings.load(Optional.of(file), Map.of());
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains(file.toString());
      return;
    }
    readEverySetting(settings);
  }

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void environment(FuzzedDataProvider data) throws IOException {
    Map<String, String> env = new HashMap<>();
    int count = data.consumeInt(0, 8);
    for (int i = 0; i < count; i++) {
      String name =
          switch (data.consumeInt(0, 2)) {
            case 0 -> "WARBLER_ADMIN_KEY";
            case 1 -> data.consumeString(40);
            default -> data.pickValue(SETTINGS).environmentVariable();
          };
      env.put(name, data.consumeString(200));
    }
    if (data.consumeBoolean()) {
      Path file = Files.write(DIR.resolve("env.properties"), data.consumeBytes(2000));
      env.put("WARBLER_CONFIG", file.toString());
    }
    Settings settings;
    try {
      settings = Settings.load(Optional.empty(), env);
    } catch (IllegalArgumentException e) {
      // Only the file can be refused here (variables are checked when read): it is named.
      assertThat(env).containsKey("WARBLER_CONFIG");
      assertThat(e.getMessage()).contains(env.get("WARBLER_CONFIG"));
      return;
    }
    readEverySetting(settings);
  }

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void serveFlags(FuzzedDataProvider data) {
    List<String> args = new ArrayList<>();
    int count = data.consumeInt(0, 6);
    for (int i = 0; i < count; i++) {
      args.add(
          data.consumeBoolean()
              ? data.pickValue(new String[] {"--data", "--ws-port", "--http-port", "--data="})
              : data.consumeString(60));
    }
    ServeCommand serve = new ServeCommand();
    try {
      new CommandLine(serve).parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    if (serve.config != null) {
      return; // a file named by the fuzzer: reading arbitrary paths is not this target's job
    }
    readEverySetting(serve.settings(Map.of()));
  }

  /** Every typed read the server makes: a value, or an error naming the setting. */
  private static void readEverySetting(Settings settings) {
    for (Setting s : SETTINGS) {
      assertThat(settings.string(s)).isNotNull();
      read(s, settings::integer);
      read(s, settings::bool);
      read(s, settings::list);
      read(s, settings::path);
    }
  }

  private static void read(Setting s, Consumer<Setting> read) {
    try {
      read.accept(s);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains(s.key());
    }
  }

  private static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("warbler-settings-fuzz");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
