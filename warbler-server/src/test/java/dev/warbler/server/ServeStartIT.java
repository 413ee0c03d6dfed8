package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code warbler serve} from the runnable jar, as a newcomer runs it: a start that cannot work says
 * why in one line that names the setting, port or file (no stack trace), and a second node on the
 * same data directory is refused with the first one's pid, while a SIGKILLed node leaves no stale
 * lock behind. The data it creates is private to its user.
 */
class ServeStartIT {
  @TempDir Path tmp;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killAll() {
    started.forEach(Process::destroyForcibly);
  }

  private Process serve(Path data, Map<String, String> env, String... flags) throws IOException {
    Path jar = Path.of("target", "warbler.jar").toAbsolutePath();
    assertThat(jar).as("build the runnable jar first").isRegularFile();
    List<String> cmd =
        new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    if (Runtime.version().feature() >= 24) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.addAll(List.of("-Xmx128m", "-jar", jar.toString(), "serve", "--data", data.toString()));
    cmd.addAll(List.of(flags));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("WARBLER_"));
    pb.environment().put("WARBLER_GATEWAY_HOST", "127.0.0.1");
    pb.environment().put("WARBLER_HTTP_HOST", "127.0.0.1");
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  /** Runs a start that must fail: its exit code and its stderr. */
  private record Failed(int exit, String err) {}

  private Failed failing(Path data, Map<String, String> env, String... flags) throws Exception {
    Process p = serve(data, env, flags);
    p.getOutputStream().close();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as(err).isTrue();
    return new Failed(p.exitValue(), err);
  }

  private static void assertOneLineCause(Failed f, int exit, String... mentions) {
    assertThat(f.exit()).as(f.err()).isEqualTo(exit);
    List<String> causes =
        f.err().lines().filter(l -> l.startsWith("warbler: cannot start: ")).toList();
    assertThat(causes).as(f.err()).hasSize(1);
    assertThat(causes.getFirst()).contains(mentions);
    assertThat(f.err()).as("no stack trace").doesNotContain("\tat ", "Exception");
  }

  @Test
  void aSecondNodeOnTheSameDataDirectoryIsRefusedNamingTheFirstAndAKillLeavesNoStaleLock()
      throws Exception {
    Path data = tmp.resolve("data");
    Process first = serve(data, Map.of(), "--http-port", "0", "--ws-port", "0");
    Path lock = data.resolve("warbler.lock");
    Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .until(() ->
            Files.isRegularFile(lock) && Files.readString(lock).contains("pid " + first.pid()));

    Failed second = failing(data, Map.of(), "--http-port", "0", "--ws-port", "0");
    assertOneLineCause(
        second, 1, "data.dir", "in use by another Warbler process", "pid " + first.pid());

    first.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
    Process third = serve(data, Map.of(), "--http-port", "0", "--ws-port", "0");
    Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> Files.readString(lock).contains("pid " + third.pid()));
    assertThat(third.isAlive()).isTrue();
  }

  @Test
  void aPortInUseABadSettingAndTlsWithoutACertificateEachSayWhyInOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertOneLineCause(
          failing(
              tmp.resolve("a"), Map.of(), "--http-port", "0", "--ws-port", Integer.toString(port)),
          1,
          "gateway.port " + port,
          "--ws-port");
      assertOneLineCause(
          failing(
              tmp.resolve("b"), Map.of(), "--http-port", Integer.toString(port), "--ws-port", "0"),
          1,
          "http.port " + port,
          "--http-port");
    }
    assertOneLineCause(
        failing(tmp.resolve("c"), Map.of("WARBLER_GATEWAY_IDLE_TIMEOUT_SECONDS", "soon")),
        2,
        "gateway.idle-timeout-seconds",
        "WARBLER_GATEWAY_IDLE_TIMEOUT_SECONDS");
    assertOneLineCause(
        failing(
            tmp.resolve("d"),
            Map.of("WARBLER_TLS_ENABLED", "true"),
            "--http-port",
            "0",
            "--ws-port",
            "0"),
        2,
        "tls.cert-file");
    assertOneLineCause(
        failing(
            tmp.resolve("e"),
            Map.of("WARBLER_ADMIN_KEY", "abc"),
            "--http-port",
            "0",
            "--ws-port",
            "0"),
        2,
        "auth.admin-key",
        "32 characters");
  }

  @Test
  void theDataItCreatesIsPrivateAndADirectoryOthersCanEnterIsRefused() throws Exception {
    Path data = tmp.resolve("fresh");
    Process node = serve(data, Map.of(), "--http-port", "0", "--ws-port", "0");
    Awaitility.await()
        .atMost(Duration.ofMinutes(2))
        .until(() ->
            Files.exists(data.resolve("warbler.db-wal"))
                && Files.exists(data.resolve("admin.key")));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
    try (var files = Files.list(data)) {
      for (Path f : files.toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
            .as(f.toString())
            .isEqualTo("rw-------");
      }
    }
    node.destroyForcibly().waitFor(1, TimeUnit.MINUTES);

    Path open = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertOneLineCause(
        failing(open, Map.of(), "--http-port", "0", "--ws-port", "0"), 2, "data.dir", "chmod 700");
  }
}
