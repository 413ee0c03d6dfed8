package dev.warbler.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Warbler server run as a child JVM ({@code java -jar warbler.jar serve}) on a temporary data
 * directory, free ports and a generated admin key; optionally pinned with {@code taskset}. {@link
 * #close} kills it and deletes the data.
 */
final class SpawnedServer implements AutoCloseable {
  private final Process process;
  private final Path data;
  private final Target target;
  private final Thread hook;

  private SpawnedServer(Process process, Path data, Target target) {
    this.process = process;
    this.data = data;
    this.target = target;
    this.hook = new Thread(this::kill, "bench-kill-server");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  Target target() {
    return target;
  }

  static SpawnedServer start(String cpus) {
    Path jar = findJar();
    String key = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    Path data;
    try {
      data = Files.createTempDirectory("warbler-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>();
    if (!cpus.isEmpty() && tasksetAvailable()) {
      cmd.addAll(List.of("taskset", "-c", cpus));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (Runtime.version().feature() >= 24) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    // A fixed, pre-touched heap keeps RSS flat as the heap grows, so RSS deltas show native memory
    // and the heap is measured on its own (after a GC) from /metrics.
    String opts =
        System.getenv()
            .getOrDefault("WARBLER_BENCH_SERVER_OPTS", "-Xms1g -Xmx1g -XX:+AlwaysPreTouch");
    if (!opts.isBlank()) {
      cmd.addAll(List.of(opts.trim().split("\\s+")));
    }
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "serve",
            "--data",
            data.toString(),
            "--ws-port",
            "0",
            "--http-port",
            "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("WARBLER_ADMIN_KEY", key);
    // A generated master key, so that bench apps may encrypt at rest (direct --encrypt).
    byte[] master = new byte[32];
    new SecureRandom().nextBytes(master);
    pb.environment()
        .put("WARBLER_SECURITY_MASTER_KEY", java.util.Base64.getEncoder().encodeToString(master));
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd, e);
    }
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<ReadyLine> ready = new CompletableFuture<>();
    List<String> early = new ArrayList<>();
    Thread.ofPlatform()
        .daemon()
        .name("bench-server-output")
        .start(() -> {
          try {
            String line;
            while ((line = out.readLine()) != null) {
              if (!ready.isDone()) {
                synchronized (early) {
                  early.add(line);
                }
                Optional<ReadyLine> r = ReadyLine.parse(line);
                r.ifPresent(ready::complete);
              }
            }
          } catch (IOException ignored) {
            // the child ended
          }
          ready.completeExceptionally(new IllegalStateException("server exited"));
        });
    try {
      ReadyLine r = ready.get(60, TimeUnit.SECONDS);
      Target target =
          new Target(
              URI.create("http://127.0.0.1:" + r.httpPort()),
              URI.create("ws://127.0.0.1:" + r.webSocketPort() + "/ws"),
              key,
              "default",
              process.pid(),
              cpus.isEmpty() ? "unpinned" : cpus);
      return new SpawnedServer(process, data, target);
    } catch (Exception e) {
      process.destroyForcibly();
      String log;
      synchronized (early) {
        log = String.join("\n", early);
      }
      throw new IllegalStateException("spawned server did not get ready:\n" + log, e);
    }
  }

  static boolean tasksetAvailable() {
    try {
      return new ProcessBuilder("taskset", "-V").start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The running jar when started from it, else {@code warbler-server/target/warbler.jar}. */
  static Path findJar() {
    try {
      Path self =
          Path.of(SpawnedServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (self.toString().endsWith(".jar") && self.getFileName().toString().startsWith("warbler")) {
        return self;
      }
    } catch (Exception ignored) {
      // fall through
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path jar = p.resolve("warbler-server/target/warbler.jar");
      if (Files.isRegularFile(jar)) {
        return jar;
      }
    }
    throw new IllegalStateException(
        "no warbler.jar found: build it with ./mvnw -DskipTests package");
  }

  /** Resident set size of a process from /proc/PID/status, in bytes; -1 if unreadable. */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // not on Linux or gone
    }
    return -1;
  }

  /** Asks the JVM {@code pid} for a full GC with jcmd, so heap readings show live data only. */
  static void gc(long pid) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (pid <= 0 || !Files.isExecutable(jcmd)) {
      return;
    }
    try {
      new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no jcmd: readings include garbage
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void kill() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> walk = Files.walk(data)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }

  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
  }
}
