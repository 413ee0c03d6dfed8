package dev.warbler.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The runnable jar started as a child process, as an operator would run it. */
final class ServerProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("warbler ready http=(\\d+) ws=(\\d+)");

  final Process process;
  final int httpPort;
  final int wsPort;

  private ServerProcess(Process process, int httpPort, int wsPort) {
    this.process = process;
    this.httpPort = httpPort;
    this.wsPort = wsPort;
  }

  static ServerProcess start(Path dataDir, String adminKey) throws IOException {
    Path jar = Path.of("target", "warbler.jar").toAbsolutePath();
    if (!jar.toFile().isFile()) {
      throw new IllegalStateException("build the runnable jar first: " + jar);
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
    if (Runtime.version().feature() >= 24) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "serve",
            "--data",
            dataDir.toString(),
            "--ws-port",
            "0",
            "--http-port",
            "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("WARBLER_ADMIN_KEY", adminKey);
    pb.environment().put("WARBLER_GATEWAY_HOST", "127.0.0.1");
    pb.environment().put("WARBLER_HTTP_HOST", "127.0.0.1");
    pb.redirectError(dataDir.resolveSibling(dataDir.getFileName() + "-server.log").toFile());
    Process p = pb.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        Thread drain =
            new Thread(() -> {
              try {
                while (out.readLine() != null) {
                  // keep the pipe flowing
                }
              } catch (IOException ignored) {
                // process gone
              }
            });
        drain.setDaemon(true);
        drain.start();
        return new ServerProcess(p, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("server did not print its ready line within 60 s");
  }

  /** SIGKILL: no shutdown hook, no flush, no goodbye. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      kill();
    }
  }
}
