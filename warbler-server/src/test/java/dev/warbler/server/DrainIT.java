package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drain on SIGTERM, from the runnable jar: readiness goes false first while the node still
 * serves ({@code shutdown.unready-seconds}), then clients are told to move (close 1001) and the
 * process exits 143 (the JVM's code for a handled SIGTERM); a drain that cannot finish exits at
 * {@code shutdown.deadline-seconds}.
 */
class DrainIT {
  private static final Pattern READY = Pattern.compile("warbler ready http=(\\d+) ws=(\\d+)");

  @TempDir Path tmp;
  private final List<Process> started = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void killAll() {
    started.forEach(Process::destroyForcibly);
  }

  /** A node on free ports; returns once it printed its ports. */
  private record Node(Process process, int httpPort, int wsPort) {}

  private Node serve(String... env) throws Exception {
    Path jar = Path.of("target", "warbler.jar").toAbsolutePath();
    assertThat(jar).as("build the runnable jar first").isRegularFile();
    List<String> cmd =
        new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    if (Runtime.version().feature() >= 24) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.addAll(
        List.of(
            "-Xmx128m",
            "-jar",
            jar.toString(),
            "serve",
            "--data",
            tmp.resolve("data").toString(),
            "--http-port",
            "0",
            "--ws-port",
            "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("WARBLER_"));
    pb.environment().put("WARBLER_GATEWAY_HOST", "127.0.0.1");
    pb.environment().put("WARBLER_HTTP_HOST", "127.0.0.1");
    for (int i = 0; i < env.length; i += 2) {
      pb.environment().put(env[i], env[i + 1]);
    }
    Process p = pb.start();
    started.add(p);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        // Keep reading, so the child never blocks on a full pipe. When the child exits, the JDK
        // closes the pipe under this reader ("Stream closed"): that is the end, not an error (an
        // uncaught exception here was reported as the error of whichever test ran next).
        Thread.ofVirtual()
            .start(() -> {
              try {
                out.lines().forEach(l -> {});
              } catch (java.io.UncheckedIOException ended) {
                // the child exited
              }
            });
        return new Node(p, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
      }
    }
    throw new AssertionError("the node exited before it was ready: " + p.waitFor());
  }

  private int status(Node n, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort() + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1; // not listening (any more)
    }
  }

  @Test
  void sigtermTurnsReadinessOffFirstThenMovesClientsAndExits() throws Exception {
    Node node = serve("WARBLER_SHUTDOWN_UNREADY_SECONDS", "3");
    assertThat(status(node, "/readyz")).isEqualTo(200);
    CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    WebSocket ws =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + node.wsPort() + "/ws"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                    closeCode.complete(code);
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);

    long t0 = System.nanoTime();
    node.process().destroy(); // SIGTERM

    // Not ready, yet still serving: health answers and the client is still connected.
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> status(node, "/readyz") == 503);
    assertThat(status(node, "/healthz")).isEqualTo(200);
    assertThat(closeCode).isNotDone();
    assertThat(ws.isInputClosed()).isFalse();

    // Then told to move: close 1001 (reconnect elsewhere), after the unready period.
    assertThat(closeCode.get(20, TimeUnit.SECONDS)).isEqualTo(1001);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(node.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    // The JVM's own code for a SIGTERM it handled (128 + 15), as after any complete drain.
    assertThat(node.process().exitValue()).isEqualTo(143);
  }

  @Test
  void aDrainLongerThanTheDeadlineExitsAtTheDeadlineWithCode3() throws Exception {
    Node node =
        serve("WARBLER_SHUTDOWN_UNREADY_SECONDS", "60", "WARBLER_SHUTDOWN_DEADLINE_SECONDS", "2");
    node.process().destroy();
    assertThat(node.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.process().exitValue()).isEqualTo(ServeCommand.EXIT_DRAIN_OVERRAN);
  }
}
