package dev.warbler.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** {@code warbler serve}: runs one node until SIGTERM or Ctrl+C, then drains. */
@CommandLine.Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run a Warbler node (embedded store unless configured otherwise).")
public final class ServeCommand implements Callable<Integer> {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);

  private static volatile boolean running;

  @CommandLine.Option(names = "--data", description = "data directory (data.dir)")
  @Nullable Path data;

  @CommandLine.Option(names = "--ws-port", description = "WebSocket port (gateway.port)")
  @Nullable Integer wsPort;

  @CommandLine.Option(names = "--http-port", description = "REST API port (http.port)")
  @Nullable Integer httpPort;

  @CommandLine.Option(names = "--config", description = "properties file with settings")
  @Nullable Path config;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * The failure as one line: its message, plus the root cause's when that adds something (an I/O
   * error under a generic wrapper).
   */
  static String oneLine(Throwable e) {
    String top = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String line = top;
    if (root != e && root.getMessage() != null && !top.contains(root.getMessage())) {
      line = top + " (" + root.getMessage() + ")";
    }
    return line.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  /** True while a node started by this command runs (keeps main from exiting). */
  static boolean running() {
    return running;
  }

  /** The settings this command runs with: defaults, file, {@code env}, then the flags. */
  Settings settings(Map<String, String> env) {
    Settings settings = Settings.load(Optional.ofNullable(config), env);
    if (data != null) {
      settings = settings.with(Setting.DATA_DIR, data.toString());
    }
    if (wsPort != null) {
      settings = settings.with(Setting.GATEWAY_PORT, wsPort.toString());
    }
    if (httpPort != null) {
      settings = settings.with(Setting.HTTP_PORT, httpPort.toString());
    }
    return settings;
  }

  /** Exit code of a start refused for a bad setting or file (as picocli's usage errors). */
  static final int EXIT_BAD_CONFIGURATION = 2;

  /** Exit code of a start that failed otherwise (a port in use, a locked data directory). */
  static final int EXIT_START_FAILED = 1;

  @Override
  public Integer call() {
    Settings settings;
    WarblerServer server;
    try {
      settings = settings(System.getenv());
      server = WarblerServer.start(settings);
    } catch (RuntimeException e) {
      // One line that names the setting, port or file; the stack trace is for --debug logs only.
      log.debug("start failed", e);
      PrintWriter err = spec.commandLine().getErr();
      err.println("warbler: cannot start: " + oneLine(e));
      err.flush();
      return e instanceof IllegalArgumentException ? EXIT_BAD_CONFIGURATION : EXIT_START_FAILED;
    }
    running = true;
    CountDownLatch stopped = new CountDownLatch(1);
    int deadline = settings.integer(Setting.SHUTDOWN_DEADLINE_SECONDS);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  Thread watchdog = drainWatchdog(deadline);
                  server.close();
                  watchdog.interrupt();
                  stopped.countDown();
                },
                "warbler-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "warbler ready http=%d ws=%d data=%s%n",
        server.httpPort(), server.webSocketPort(), settings.string(Setting.DATA_DIR));
    String tls = server.tlsEnabled() ? "s" : "";
    out.printf("  REST API    http%s://127.0.0.1:%d%n", tls, server.httpPort());
    out.printf(
        "  WebSocket   ws%s://127.0.0.1:%d%s%n",
        tls, server.webSocketPort(), settings.string(Setting.GATEWAY_PATH));
    out.printf("  default app %s%n", server.defaultApp());
    if (settings.string(Setting.AUTH_ADMIN_KEY).isEmpty()) {
      out.printf(
          "  admin key   %s %s; use it with: export WARBLER_ADMIN_KEY=$(cat %s)%n",
          server.adminKeyGenerated() ? "generated into" : "read from",
          server.adminKeyFile(),
          server.adminKeyFile());
    } else {
      out.println("  admin key   from WARBLER_ADMIN_KEY / auth.admin-key");
    }
    out.println("Press Ctrl+C to stop.");
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** The exit code of a drain that overran {@code shutdown.deadline-seconds}. */
  static final int EXIT_DRAIN_OVERRAN = 3;

  /**
   * Halts the process when the drain takes longer than {@code seconds}: an orchestrator kills it
   * soon after anyway, and a clear line in the log beats a SIGKILL without one.
   */
  private static Thread drainWatchdog(int seconds) {
    return Thread.ofPlatform()
        .daemon()
        .name("warbler-drain-deadline")
        .start(() -> {
          try {
            Thread.sleep(seconds * 1000L);
          } catch (InterruptedException e) {
            return; // drained in time
          }
          log.error("drain did not finish within shutdown.deadline-seconds={}; exiting", seconds);
          Runtime.getRuntime().halt(EXIT_DRAIN_OVERRAN);
        });
  }
}
