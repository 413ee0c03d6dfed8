package dev.warbler.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.bench.ClusterBackends;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** {@code warbler chaos SCENARIO}: break a real server on purpose and check what survived. */
@CommandLine.Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = "Fault injection against a real server process: crash.",
    subcommands = {ChaosCommand.Crash.class})
public final class ChaosCommand implements Runnable {
  /** Exit code when the checker found a violation. */
  public static final int VIOLATION = 1;

  /** Exit code when the run could not be carried out (server did not start, ...). */
  public static final int FAILED = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @CommandLine.Command(
      name = "crash",
      mixinStandardHelpOptions = true,
      description = {
        "Starts `warbler.jar serve` as a child process, drives concurrent senders (direct and"
            + " group, pipelined over WebSocket) that record every ack, SIGKILLs the server at a"
            + " random moment, restarts it on the same data, and repeats; senders retry part of"
            + " the unacked sends with the same client message id. Finally checks the history:"
            + " no acked message lost, none stored twice, seqs contiguous, each sender's order"
            + " kept, nothing delivered to a non-member. With --cluster N, N nodes share"
            + " PostgreSQL and NATS; each round kills one of them while the others serve, and its"
            + " clients reconnect to another node, sync and go on.",
        "Exit code: 0 no violation, 1 a violation, 2 the run failed."
      })
  static final class Crash implements Callable<Integer> {
    @CommandLine.Option(
        names = "--rounds",
        defaultValue = "10",
        description = "kills (default: ${DEFAULT-VALUE}); the run starts rounds + 1 servers")
    int rounds = 10;

    @CommandLine.Option(
        names = "--seed",
        description = "random seed of kill moments, targets and retries (default: random)")
    @Nullable Long seed;

    @CommandLine.Option(
        names = "--senders",
        defaultValue = "6",
        description = "concurrent senders, one connection each (default: ${DEFAULT-VALUE})")
    int senders = 6;

    @CommandLine.Option(
        names = "--window",
        defaultValue = "16",
        description = "sends in flight per sender (default: ${DEFAULT-VALUE})")
    int window = 16;

    @CommandLine.Option(
        names = "--rest-senders",
        defaultValue = "2",
        description =
            "threads sending through the REST API for the senders, one request at a time each"
                + " (default: ${DEFAULT-VALUE})")
    int restSenders = 2;

    @CommandLine.Option(
        names = "--round-seconds",
        defaultValue = "2",
        description =
            "longest time from a round's first ack to its kill; the kill comes at a random"
                + " moment between a quarter of it and all of it (default: ${DEFAULT-VALUE})")
    double roundSeconds = 2;

    @CommandLine.Option(
        names = "--retry-share",
        defaultValue = "0.5",
        description =
            "share of unacked sends retried after a restart, the rest given up"
                + " (default: ${DEFAULT-VALUE})")
    double retryShare = 0.5;

    @CommandLine.Option(
        names = "--data",
        description = "data directory of the server, kept afterwards (default: a temporary one)")
    @Nullable Path data;

    @CommandLine.Option(names = "--keep", description = "keep the temporary data directory")
    boolean keep;

    @CommandLine.Option(
        names = "--durability",
        description = "store.sqlite.durability of the server: FULL, NORMAL, OFF (default: serve's)")
    @Nullable String durability;

    @CommandLine.Option(
        names = "--server-opts",
        defaultValue = "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        description = "JVM options of the server (default: ${DEFAULT-VALUE})")
    String serverOpts = "";

    @CommandLine.Option(
        names = "--cluster",
        defaultValue = "0",
        description =
            "run N nodes (N >= 2) on PostgreSQL and NATS and kill one per round while the others"
                + " serve; its clients move to the others, sync and go on (default: one node on"
                + " SQLite, restarted each round)")
    int cluster;

    @CommandLine.Mixin ClusterBackends backends = new ClusterBackends();

    @CommandLine.Option(names = "--json", description = "print one JSON object")
    boolean json;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      long s = seed != null ? seed : new SecureRandom().nextLong();
      Map<String, Object> figures;
      try {
        CrashRun.Options options =
            new CrashRun.Options(
                rounds,
                s,
                senders,
                window,
                restSenders,
                roundSeconds,
                retryShare,
                data,
                keep,
                durability,
                serverOpts.isBlank() ? List.of() : List.of(serverOpts.trim().split("\\s+")),
                new CrashRun.Cluster(cluster, backends));
        figures = new CrashRun(options, System.err).run();
      } catch (Exception e) {
        System.err.println("chaos crash: the run failed (seed " + s + "): " + e);
        e.printStackTrace(System.err);
        return FAILED;
      }
      print(out, figures);
      return Boolean.TRUE.equals(figures.get("ok")) ? 0 : VIOLATION;
    }

    private void print(PrintWriter out, Map<String, Object> figures) {
      if (json) {
        try {
          out.println(new ObjectMapper().writeValueAsString(figures));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      } else {
        int width = figures.keySet().stream().mapToInt(String::length).max().orElse(10);
        figures.forEach((k, v) -> {
          if (v instanceof List<?> list) {
            out.printf("  %-" + width + "s%n", k);
            list.forEach(item -> out.printf("    %s%n", item));
          } else {
            out.printf("  %-" + width + "s  %s%n", k, v);
          }
        });
      }
      out.flush();
    }
  }
}
