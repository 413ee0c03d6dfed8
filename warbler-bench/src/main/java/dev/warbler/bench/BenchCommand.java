package dev.warbler.bench;

import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** {@code warbler bench SCENARIO}: load against a running or spawned server. */
@CommandLine.Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Load generator: direct, group, connections, sync, baseline, sweep.",
    subcommands = {
      BenchCommand.Direct.class,
      BenchCommand.Connections.class,
      BenchCommand.Sync.class,
      BenchCommand.Group.class,
      BenchCommand.Sweep.class,
      BenchCommand.Baseline.class
    })
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the direct scenario against a server this caller started (used by tests). */
  public static Map<String, Object> direct(
      URI http, String adminKey, String app, int clients, double rate, double durationS) {
    Admin admin = new Admin(http, adminKey);
    Target target = new Target(http, admin.discoverWebSocket(), adminKey, app, -1, "in-process");
    List<Admin.UserToken> users = admin.users(app, runPrefix("d"), clients);
    return DirectLoad.run(
            "direct", target, users, new DirectLoad.Options(clients, rate, durationS, 0, 100))
        .fields();
  }

  static String runPrefix(String kind) {
    return "bench" + kind + Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
  }

  /** Options every scenario takes. */
  static final class Common {
    @CommandLine.Option(
        names = "--server",
        defaultValue = "http://127.0.0.1:8080",
        description = "REST base URL of a running server (default: ${DEFAULT-VALUE})")
    URI server = URI.create("http://127.0.0.1:8080");

    @CommandLine.Option(
        names = "--spawn",
        description = "start the server as a child JVM on a temp dir and free ports")
    boolean spawn;

    @CommandLine.Option(
        names = "--admin-key",
        description = "admin key for --server (default: $WARBLER_ADMIN_KEY)")
    @Nullable String adminKey;

    @CommandLine.Option(names = "--app", defaultValue = "default", description = "app id")
    String app = "default";

    @CommandLine.Option(names = "--json", description = "print one JSON object")
    boolean json;

    @CommandLine.Option(
        names = "--duration",
        defaultValue = "10",
        description = "measured seconds (default: ${DEFAULT-VALUE})")
    double duration = 10;

    @CommandLine.Option(
        names = "--warmup",
        defaultValue = "2",
        description = "warm-up seconds, not counted (default: ${DEFAULT-VALUE})")
    double warmup = 2;

    @CommandLine.Option(
        names = "--server-cpus",
        defaultValue = "",
        description = "with --spawn: pin the server with taskset -c (e.g. 0)")
    String serverCpus = "";

    @CommandLine.Option(
        names = "--client-cpus",
        defaultValue = "",
        description = "pin this load generator with taskset -c (e.g. 1)")
    String clientCpus = "";

    /** Opens the target (spawning if asked); the returned closeable ends it. */
    Session open() {
      if (!clientCpus.isEmpty() && SpawnedServer.tasksetAvailable()) {
        try {
          new ProcessBuilder(
                  "taskset",
                  "-a",
                  "-p",
                  "-c",
                  clientCpus,
                  Long.toString(ProcessHandle.current().pid()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("bench: cannot pin the client: " + e.getMessage());
        }
      }
      if (spawn) {
        SpawnedServer child = SpawnedServer.start(serverCpus);
        return new Session(child.target(), child);
      }
      String key = adminKey != null ? adminKey : System.getenv("WARBLER_ADMIN_KEY");
      if (key == null || key.isEmpty()) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--admin-key or WARBLER_ADMIN_KEY is required without --spawn");
      }
      Admin admin = new Admin(server, key);
      return new Session(
          new Target(server, admin.discoverWebSocket(), key, app, -1, "unknown"), null);
    }
  }

  /** The target and what to close after the run. */
  record Session(Target target, @Nullable SpawnedServer child) implements AutoCloseable {
    Admin admin() {
      return new Admin(target.http(), target.adminKey());
    }

    @Override
    public void close() {
      if (child != null) {
        child.close();
      }
    }
  }

  abstract static class Scenario implements Callable<Integer> {
    @CommandLine.Mixin Common common = new Common();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    abstract Result run(Session session) throws Exception;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (Session session = common.open()) {
        Result r = run(session);
        r.print(out, common.json);
        return 0;
      }
    }
  }

  @CommandLine.Command(
      name = "direct",
      mixinStandardHelpOptions = true,
      description = "Pairs exchange durable 1:1 messages at a constant total rate (open model).")
  static final class Direct extends Scenario {
    @CommandLine.Option(names = "--clients", defaultValue = "100", description = "even number")
    int clients = 100;

    @CommandLine.Option(names = "--rate", defaultValue = "5000", description = "messages/s total")
    double rate = 5000;

    @CommandLine.Option(names = "--payload", defaultValue = "100", description = "text bytes")
    int payload = 100;

    @Override
    Result run(Session s) {
      List<Admin.UserToken> users = s.admin().users(s.target().app(), runPrefix("d"), clients);
      return DirectLoad.run(
          "direct",
          s.target(),
          users,
          new DirectLoad.Options(clients, rate, common.duration, common.warmup, payload));
    }
  }

  @CommandLine.Command(
      name = "baseline",
      mixinStandardHelpOptions = true,
      description =
          "The direct load against a minimal Netty WebSocket relay (no Warbler logic), in process.")
  static final class Baseline extends Scenario {
    @CommandLine.Option(names = "--clients", defaultValue = "100", description = "even number")
    int clients = 100;

    @CommandLine.Option(names = "--rate", defaultValue = "5000", description = "messages/s total")
    double rate = 5000;

    @CommandLine.Option(names = "--payload", defaultValue = "100", description = "text bytes")
    int payload = 100;

    @CommandLine.Option(names = "--relay-threads", defaultValue = "2", description = "event loops")
    int threads = 2;

    @Override
    public Integer call() {
      try (BaselineRelay relay = BaselineRelay.start(threads)) {
        URI ws = URI.create("ws://127.0.0.1:" + relay.port() + "/ws");
        Target target = new Target(URI.create("http://127.0.0.1:0"), ws, "", "", -1, "in-process");
        List<Admin.UserToken> users = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          users.add(new Admin.UserToken("u" + i, "u" + i));
        }
        Result r =
            DirectLoad.run(
                "baseline",
                target,
                users,
                new DirectLoad.Options(clients, rate, common.duration, common.warmup, payload));
        r.print(spec.commandLine().getOut(), common.json);
        return 0;
      }
    }

    @Override
    Result run(Session session) {
      throw new UnsupportedOperationException();
    }
  }

  @CommandLine.Command(
      name = "connections",
      mixinStandardHelpOptions = true,
      description = "Authenticated idle connections with pings: connect rate and memory each.")
  static final class Connections extends Scenario {
    @CommandLine.Option(names = "--count", defaultValue = "1000", description = "connections")
    int count = 1000;

    @CommandLine.Option(
        names = "--ramp",
        defaultValue = "0",
        description = "connections per second; 0 = as fast as possible")
    double ramp;

    @Override
    Result run(Session s) throws Exception {
      return ConnectionsLoad.run(s.target(), s.admin(), count, ramp, common.duration);
    }
  }

  @CommandLine.Command(
      name = "sync",
      mixinStandardHelpOptions = true,
      description = "A user offline while M messages arrive connects and catches up (sync + pull).")
  static final class Sync extends Scenario {
    @CommandLine.Option(names = "--backlog", defaultValue = "10000", description = "messages")
    int backlog = 10_000;

    @CommandLine.Option(names = "--payload", defaultValue = "100", description = "text bytes")
    int payload = 100;

    @Override
    Result run(Session s) throws Exception {
      return SyncLoad.run(s.target(), s.admin(), backlog, payload);
    }
  }

  @CommandLine.Command(
      name = "group",
      mixinStandardHelpOptions = true,
      description = "Group fan-out: G groups of M online members, K senders each, constant rate.")
  static final class Group extends Scenario {
    @CommandLine.Option(names = "--groups", defaultValue = "2", description = "groups")
    int groups = 2;

    @CommandLine.Option(names = "--members", defaultValue = "100", description = "per group")
    int members = 100;

    @CommandLine.Option(names = "--senders", defaultValue = "5", description = "per group")
    int senders = 5;

    @CommandLine.Option(names = "--rate", defaultValue = "100", description = "messages/s total")
    double rate = 100;

    @CommandLine.Option(names = "--payload", defaultValue = "100", description = "text bytes")
    int payload = 100;

    @Override
    Result run(Session s) {
      return GroupLoad.run(
          s.target(),
          s.admin(),
          new GroupLoad.Options(
              groups, members, senders, rate, common.duration, common.warmup, payload));
    }
  }

  @CommandLine.Command(
      name = "sweep",
      mixinStandardHelpOptions = true,
      description =
          "Direct over growing rates (and the baseline relay with --with-baseline); writes an SVG"
              + " chart of delivered/s vs p99.")
  static final class Sweep extends Scenario {
    @CommandLine.Option(
        names = "--rates",
        split = ",",
        defaultValue = "2000,5000,10000,15000,20000",
        description = "total messages/s, comma-separated (default: ${DEFAULT-VALUE})")
    List<Double> rates = List.of();

    @CommandLine.Option(names = "--clients", defaultValue = "100", description = "even number")
    int clients = 100;

    @CommandLine.Option(names = "--payload", defaultValue = "100", description = "text bytes")
    int payload = 100;

    @CommandLine.Option(names = "--with-baseline", description = "also sweep the baseline relay")
    boolean withBaseline;

    @CommandLine.Option(
        names = "--out",
        defaultValue = "bench-sweep.svg",
        description = "SVG chart file (default: ${DEFAULT-VALUE})")
    java.nio.file.Path out = java.nio.file.Path.of("bench-sweep.svg");

    @Override
    Result run(Session s) throws Exception {
      List<Map<String, Object>> points = new ArrayList<>();
      Map<String, List<SvgChart.Point>> series = new java.util.LinkedHashMap<>();
      List<SvgChart.Point> warbler = new ArrayList<>();
      List<SvgChart.Point> baseline = new ArrayList<>();
      series.put("Warbler direct (durable)", warbler);
      for (double rate : rates) {
        DirectLoad.Options o =
            new DirectLoad.Options(clients, rate, common.duration, common.warmup, payload);
        List<Admin.UserToken> users = s.admin().users(s.target().app(), runPrefix("w"), clients);
        Result r = DirectLoad.run("direct", s.target(), users, o);
        points.add(r.fields());
        warbler.add(point(r));
        progress(r);
        if (withBaseline) {
          series.put("baseline relay (no logic)", baseline);
          try (BaselineRelay relay = BaselineRelay.start(2)) {
            Target t =
                new Target(
                    URI.create("http://127.0.0.1:0"),
                    URI.create("ws://127.0.0.1:" + relay.port() + "/ws"),
                    "",
                    "",
                    -1,
                    "in-process");
            List<Admin.UserToken> ids = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
              ids.add(new Admin.UserToken("u" + i, "u" + i));
            }
            Result b = DirectLoad.run("baseline", t, ids, o);
            points.add(b.fields());
            baseline.add(point(b));
            progress(b);
          }
        }
      }
      java.nio.file.Files.writeString(
          out,
          SvgChart.render(
              "direct: delivered/s vs p99 (" + clients + " clients, " + payload + " B)",
              "delivered messages/s",
              "p99 latency, ms (log)",
              series));
      return new Result("sweep")
          .put("chart", out.toAbsolutePath().toString())
          .put("points", points)
          .put("server_cpus", s.target().serverCpus());
    }

    private static SvgChart.Point point(Result r) {
      return new SvgChart.Point(
          ((Number) r.get("throughput_per_s")).doubleValue(),
          ((Number) r.get("p99_ms")).doubleValue());
    }

    private void progress(Result r) {
      System.err.printf(
          "bench sweep: %s rate=%s delivered/s=%s p99_ms=%s lost=%s%n",
          r.get("scenario"),
          r.get("rate"),
          r.get("throughput_per_s"),
          r.get("p99_ms"),
          r.get("lost"));
    }
  }
}
