package dev.warbler.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A Warbler server run as a child JVM ({@code java -jar warbler.jar serve}) on free ports, as an
 * operator would run it. {@link #start(String)} (the bench) uses a temporary data directory and a
 * generated admin key and {@link #close} deletes the data; {@link #start(Launch)} takes the data
 * directory, key, JVM options and environment, so that {@code warbler chaos crash} can {@link
 * #killHard} a server and start the next one on the same data. {@link #close} stops it with SIGTERM
 * (SIGKILL after 30 s).
 */
public final class SpawnedServer implements AutoCloseable {
  private volatile Process process;
  private volatile Target target;
  private final Launch launch;
  private final Thread hook;

  private SpawnedServer(Launched launched, Launch launch) {
    this.process = launched.process();
    this.target = launched.target();
    this.launch = launch;
    this.hook = new Thread(this::kill, "bench-kill-server");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public Target target() {
    return target;
  }

  /**
   * SIGKILL, as a crash or the OOM killer would end it: no shutdown hook, no drain, no flush. Waits
   * for the process to be gone; the data directory stays.
   */
  public void killHard() {
    Process process = this.process;
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("server " + process.pid() + " survived SIGKILL for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The child's exit code once it ended, else -1. */
  public int exitCode() {
    Process process = this.process;
    return process.isAlive() ? -1 : process.exitValue();
  }

  /**
   * Settings (as environment variables) every spawned server gets unless a scenario says otherwise:
   * rate and connection limits far above what any scenario does, so that the bench measures the
   * server's capacity (with the limiter's checks on the path) rather than its abuse limits. The
   * connections scenario opens up to 19,000 connections, 4,000 per loopback source address.
   */
  public static final Map<String, String> HIGH_LIMITS =
      Map.of(
          "WARBLER_LIMITS_RATE_USER_PER_SECOND", "1000000",
          "WARBLER_LIMITS_RATE_USER_BURST", "1000000",
          "WARBLER_LIMITS_RATE_SIGNAL_PER_SECOND", "1000000",
          "WARBLER_LIMITS_RATE_SIGNAL_BURST", "1000000",
          "WARBLER_LIMITS_RATE_APP_PER_SECOND", "10000000",
          "WARBLER_LIMITS_RATE_APP_BURST", "10000000",
          "WARBLER_LIMITS_RATE_REST_PER_SECOND", "1000000",
          "WARBLER_LIMITS_RATE_REST_BURST", "1000000",
          "WARBLER_GATEWAY_MAX_CONNECTIONS_PER_IP", "100000",
          "WARBLER_GATEWAY_MAX_CONNECTIONS_PER_USER", "100000");

  static SpawnedServer start(String cpus) {
    return start(cpus, HIGH_LIMITS);
  }

  /**
   * Starts a server on a temporary data directory with a generated admin key and master key (so
   * that bench apps may encrypt at rest, {@code direct --encrypt}) and {@code settings}
   * (environment variables such as WARBLER_GATEWAY_PORT).
   */
  static SpawnedServer start(String cpus, Map<String, String> settings) {
    String key = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    Path data;
    try {
      data = Files.createTempDirectory("warbler-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // A fixed, pre-touched heap keeps RSS flat as the heap grows, so RSS deltas show native memory
    // and the heap is measured on its own (after a GC) from /metrics.
    String opts =
        System.getenv()
            .getOrDefault("WARBLER_BENCH_SERVER_OPTS", "-Xms1g -Xmx1g -XX:+AlwaysPreTouch");
    Map<String, String> env = new java.util.HashMap<>(settings);
    byte[] master = new byte[32];
    new SecureRandom().nextBytes(master);
    // Nodes of one cluster must share theirs: a caller that sets one keeps it.
    env.putIfAbsent(
        "WARBLER_SECURITY_MASTER_KEY", java.util.Base64.getEncoder().encodeToString(master));
    return start(
        new Launch(
            data,
            key,
            opts.isBlank() ? List.of() : List.of(opts.trim().split("\\s+")),
            env,
            cpus,
            true,
            null,
            Duration.ofSeconds(180)));
  }

  /**
   * How to start a child server.
   *
   * @param data its data directory ({@code serve --data}); reused as is, so a restart on the same
   *     directory finds what the previous process committed
   * @param adminKey passed as {@code WARBLER_ADMIN_KEY}
   * @param jvmOptions options of the child JVM (heap, GC)
   * @param env further environment of the child, e.g. {@code WARBLER_STORE_SQLITE_DURABILITY}
   * @param cpus pin with {@code taskset -c} when not empty
   * @param deleteData whether {@link #close} deletes the data directory
   * @param log file the child's output is appended to; null discards it
   * @param readyTimeout how long to wait for the ready line
   */
  public record Launch(
      Path data,
      String adminKey,
      List<String> jvmOptions,
      Map<String, String> env,
      String cpus,
      boolean deleteData,
      @Nullable Path log,
      Duration readyTimeout) {}

  /** Starts {@code warbler.jar serve} as described and waits for its ready line. */
  public static SpawnedServer start(Launch launch) {
    return new SpawnedServer(launch(launch, 0, 0), launch);
  }

  /**
   * Stops the server with SIGTERM (a graceful shutdown: clients are told to reconnect) and starts
   * it again on the same data directory and ports; returns once it is ready.
   */
  void restart() {
    stopProcess();
    Launched l = launch(launch, target.ws().getPort(), target.http().getPort());
    this.process = l.process();
    this.target = l.target();
  }

  private record Launched(Process process, Target target) {}

  private static Launched launch(Launch launch, int wsPort, int httpPort) {
    Path jar = findJar();
    List<String> cmd = new ArrayList<>();
    if (!launch.cpus().isEmpty() && tasksetAvailable()) {
      cmd.addAll(List.of("taskset", "-c", launch.cpus()));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (Runtime.version().feature() >= 24) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.addAll(launch.jvmOptions());
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "serve",
            "--data",
            launch.data().toString(),
            "--ws-port",
            Integer.toString(wsPort),
            "--http-port",
            Integer.toString(httpPort)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(launch.env());
    pb.environment().put("WARBLER_ADMIN_KEY", launch.adminKey());
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
          try (Writer log = logWriter(launch.log())) {
            String line;
            while ((line = out.readLine()) != null) {
              log.write(line);
              log.write('\n');
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
      ReadyLine r = ready.get(launch.readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
      Target target =
          new Target(
              URI.create("http://127.0.0.1:" + r.httpPort()),
              URI.create("ws://127.0.0.1:" + r.webSocketPort() + "/ws"),
              launch.adminKey(),
              "default",
              process.pid(),
              launch.cpus().isEmpty() ? "unpinned" : launch.cpus());
      return new Launched(process, target);
    } catch (Exception e) {
      process.destroyForcibly();
      String log;
      synchronized (early) {
        log = String.join("\n", early);
      }
      throw new IllegalStateException("spawned server did not get ready:\n" + log, e);
    }
  }

  private static Writer logWriter(@Nullable Path log) throws IOException {
    if (log == null) {
      return Writer.nullWriter();
    }
    return Files.newBufferedWriter(
        log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
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
  public static Path findJar() {
    try {
      Path self =
          Path.of(SpawnedServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (self.toString().endsWith(".jar")
          && self.getFileName().toString().startsWith("warbler")
          && runnable(self)) {
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

  /**
   * Whether {@code jar} names a main class: the runnable jar, not the bench module's own jar (on
   * the class path of tests that spawn a server).
   */
  private static boolean runnable(Path jar) {
    try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
      java.util.jar.Manifest manifest = file.getManifest();
      return manifest != null && manifest.getMainAttributes().getValue("Main-Class") != null;
    } catch (IOException e) {
      return false;
    }
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

  private void stopProcess() {
    Process p = process;
    p.destroy();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void kill() {
    stopProcess();
    if (!launch.deleteData()) {
      return;
    }
    try (Stream<Path> walk = Files.walk(launch.data())) {
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
