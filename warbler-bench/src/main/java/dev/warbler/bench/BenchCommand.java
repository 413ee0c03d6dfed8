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
    description =
        "Load generator: direct, group, connections, sync, flood, storm, baseline, sweep.",
    subcommands = {
      BenchCommand.Direct.class,
      BenchCommand.Connections.class,
      BenchCommand.Sync.class,
      BenchCommand.Flood.class,
      BenchCommand.Group.class,
      BenchCommand.Sweep.class,
      BenchCommand.Baseline.class,
      BenchCommand.Storm.class
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

  /**
   * Runs the reconnect storm against a server this caller started; {@code restart} must stop it and
   * start it again on the same ports and data, returning once it is ready (used by tests).
   */
  public static Map<String, Object> storm(
      URI http,
      String adminKey,
      String app,
      int clients,
      int backlog,
      double jitterMs,
      StormRestart restart)
      throws Exception {
    Admin admin = new Admin(http, adminKey);
    Target target = new Target(http, admin.discoverWebSocket(), adminKey, app, -1, "in-process");
    return StormLoad.run(
            target,
            admin,
            new StormLoad.Options(clients, backlog, jitterMs, Math.max(1, clients / 100), 60),
            restart::restart)
        .fields();
  }

  /** Stops a server and starts it again on the same ports and data (see {@link #storm}). */
  @FunctionalInterface
  public interface StormRestart {
    void restart() throws Exception;
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
        names = "--warmup-rate",
        defaultValue = "0",
        description =
            "messages/s during the warm-up (default: --rate); warm up below saturation to"
                + " measure it on compiled code")
    double warmupRate = 0;

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

    @CommandLine.Option(
        names = "--cluster",
        defaultValue = "1",
        description =
            "with --spawn: start N nodes on PostgreSQL (--postgres-url, a new schema) and NATS"
                + " (--nats, new subjects); clients spread so that the two sides of a conversation"
                + " are on different nodes (default: ${DEFAULT-VALUE})")
    int cluster = 1;

    @CommandLine.Option(
        names = "--store",
        defaultValue = "sqlite",
        description =
            "with --spawn: sqlite or postgres (a cluster is always postgres; default:"
                + " ${DEFAULT-VALUE})")
    String store = "sqlite";

    @CommandLine.Mixin ClusterBackends backends = new ClusterBackends();

    /** Opens the target (spawning if asked); the returned closeable ends it. */
    Session open() {
      return open(SpawnedServer.HIGH_LIMITS);
    }

    /** Like {@link #open()}; a spawned server gets {@code settings} (environment variables). */
    Session open(Map<String, String> settings) {
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
      if (cluster < 1) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--cluster must be 1 or more but was " + cluster);
      }
      boolean postgres = cluster > 1 || store.equalsIgnoreCase("postgres");
      if (!postgres && !store.equalsIgnoreCase("sqlite")) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--store must be sqlite or postgres but was '" + store + "'");
      }
      if (!spawn && (cluster > 1 || postgres)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--cluster and --store need --spawn");
      }
      if (spawn && postgres) {
        return spawnOnPostgres(settings);
      }
      if (spawn) {
        SpawnedServer child = SpawnedServer.start(serverCpus, settings);
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

    /**
     * {@code --cluster} nodes (one for {@code --store postgres}) on a new schema of {@code
     * --postgres-url}, on NATS under new subjects when more than one; the session drops the schema.
     */
    private Session spawnOnPostgres(Map<String, String> settings) {
      String run = runPrefix("pg");
      String schema = "bench_" + run;
      List<SpawnedServer> nodes = new ArrayList<>();
      byte[] masterKey = new byte[32];
      new java.security.SecureRandom().nextBytes(masterKey);
      try {
        for (int i = 0; i < cluster; i++) {
          Map<String, String> env = new java.util.HashMap<>(settings);
          env.putAll(backends.nodeEnvironment(schema, cluster > 1 ? run : null, i));
          env.put(
              "WARBLER_SECURITY_MASTER_KEY",
              java.util.Base64.getEncoder().encodeToString(masterKey));
          nodes.add(SpawnedServer.start(serverCpus, env));
        }
      } catch (RuntimeException e) {
        nodes.forEach(SpawnedServer::close);
        backends.dropSchema(schema);
        throw e;
      }
      Target first = nodes.get(0).target();
      Target target = first.withNodes(nodes.stream().map(n -> n.target().ws()).toList());
      return new Session(
          target,
          nodes.get(0),
          List.copyOf(nodes.subList(1, nodes.size())),
          () -> backends.dropSchema(schema));
    }
  }

  /**
   * The target and what to close after the run: the spawned node(s) and, for a PostgreSQL run, the
   * schema it made.
   */
  record Session(
      Target target,
      @Nullable SpawnedServer child,
      List<SpawnedServer> otherNodes,
      @Nullable Runnable dropSchema)
      implements AutoCloseable {
    Session(Target target, @Nullable SpawnedServer child) {
      this(target, child, List.of(), null);
    }

    Admin admin() {
      return new Admin(target.http(), target.adminKey());
    }

    @Override
    public void close() {
      otherNodes.forEach(SpawnedServer::close);
      if (child != null) {
        child.close();
      }
      if (dropSchema != null) {
        dropSchema.run();
      }
    }
  }

  abstract static class Scenario implements Callable<Integer> {
    @CommandLine.Mixin Common common = new Common();
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    abstract Result run(Session session) throws Exception;

    /** Settings of a spawned server, as environment variables. */
    Map<String, String> serverSettings() {
      return SpawnedServer.HIGH_LIMITS;
    }

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (Session session = common.open(serverSettings())) {
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

    @CommandLine.Option(
        names = "--encrypt",
        description =
            "run in a new app that encrypts message bodies at rest (the server needs a master"
                + " key; a spawned one gets a generated key)")
    boolean encrypt;

    @Override
    Result run(Session s) {
      Target t = s.target();
      if (encrypt) {
        String app = runPrefix("enc");
        s.admin().createApp(app, true);
        t = t.withApp(app);
      }
      List<Admin.UserToken> users = s.admin().users(t.app(), runPrefix("d"), clients);
      return DirectLoad.run(
              "direct",
              t,
              users,
              new DirectLoad.Options(
                  clients, rate, common.duration, common.warmup, payload, common.warmupRate))
          .put("encrypt", encrypt);
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
      name = "flood",
      mixinStandardHelpOptions = true,
      description =
          "Normal pairs' p99 without and with one user flooding at FACTOR times its rate limit.")
  static final class Flood extends Scenario {
    @CommandLine.Option(names = "--clients", defaultValue = "100", description = "even number")
    int clients = 100;

    @CommandLine.Option(
        names = "--rate",
        defaultValue = "2000",
        description = "normal messages/s total (default: ${DEFAULT-VALUE})")
    double rate = 2000;

    @CommandLine.Option(names = "--payload", defaultValue = "100", description = "text bytes")
    int payload = 100;

    @CommandLine.Option(
        names = "--user-rate",
        defaultValue = "50",
        description =
            "the per-user limit (limits.rate.user-per-second); given to a spawned server, must"
                + " match the target's otherwise (default: ${DEFAULT-VALUE})")
    long userRate = 50;

    @CommandLine.Option(
        names = "--user-burst",
        defaultValue = "200",
        description = "with --spawn: limits.rate.user-burst (default: ${DEFAULT-VALUE})")
    long userBurst = 200;

    @CommandLine.Option(
        names = "--refusals-before-pause",
        defaultValue = "8",
        description =
            "with --spawn: limits.rate.refusals-before-pause; 0 never pauses reading"
                + " (default: ${DEFAULT-VALUE})")
    int refusalsBeforePause = 8;

    @CommandLine.Option(
        names = "--factor",
        defaultValue = "100",
        description =
            "the flooder sends at this multiple of --user-rate (default: ${DEFAULT-VALUE})")
    int factor = 100;

    @CommandLine.Option(
        names = "--rounds",
        defaultValue = "1",
        description = "quiet/flood pairs of runs; medians reported (default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Override
    Map<String, String> serverSettings() {
      Map<String, String> settings = new java.util.HashMap<>(SpawnedServer.HIGH_LIMITS);
      settings.put("WARBLER_LIMITS_RATE_USER_PER_SECOND", Long.toString(userRate));
      settings.put("WARBLER_LIMITS_RATE_USER_BURST", Long.toString(userBurst));
      settings.put(
          "WARBLER_LIMITS_RATE_REFUSALS_BEFORE_PAUSE", Integer.toString(refusalsBeforePause));
      return settings;
    }

    @Override
    Result run(Session s) throws Exception {
      return FloodLoad.run(
              s.target(),
              s.admin(),
              new FloodLoad.Options(
                  clients, rate, common.duration, common.warmup, payload, userRate, factor, rounds))
          .put("user_burst", userBurst)
          .put("refusals_before_pause", refusalsBeforePause);
    }
  }

  @CommandLine.Command(
      name = "storm",
      mixinStandardHelpOptions = true,
      description =
          "Reconnect storm: N connected clients, the server restarts (same data and ports), a"
              + " backlog is sent to each, then all reconnect at once (or with --jitter-ms),"
              + " authenticate and sync. Needs --spawn: it restarts the server.")
  static final class Storm extends Scenario {
    @CommandLine.Option(names = "--clients", defaultValue = "1000", description = "clients")
    int clients = 1000;

    @CommandLine.Option(
        names = "--backlog",
        defaultValue = "2",
        description = "messages sent to each client while it is away (default: ${DEFAULT-VALUE})")
    int backlog = 2;

    @CommandLine.Option(
        names = "--jitter-ms",
        defaultValue = "0",
        description =
            "spread the reconnects uniformly over this many ms (the SDK's first backoff is 250);"
                + " 0: all at once (default: ${DEFAULT-VALUE})")
    double jitterMs;

    @CommandLine.Option(
        names = "--senders",
        defaultValue = "0",
        description = "users sending the backlog; 0: one per 100 clients")
    int senders;

    @CommandLine.Option(
        names = "--timeout",
        defaultValue = "60",
        description = "seconds one client may take to connect and sync before a retry")
    double timeout = 60;

    @Override
    Result run(Session s) throws Exception {
      SpawnedServer child = s.child();
      if (child == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "storm restarts the server: use --spawn");
      }
      return StormLoad.run(
          child.target(),
          s.admin(),
          new StormLoad.Options(
              clients,
              backlog,
              jitterMs,
              senders > 0 ? senders : Math.max(1, clients / 100),
              timeout),
          child::restart);
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
              groups,
              members,
              senders,
              rate,
              common.duration,
              common.warmup,
              payload,
              common.warmupRate));
    }
  }

  @CommandLine.Command(
      name = "sweep",
      mixinStandardHelpOptions = true,
      description =
          "Scenarios over growing load, each with an SVG chart: direct delivered/s vs p99 (and the"
              + " baseline relay with --with-baseline) in --out; memory and connect rate vs"
              + " connection count in OUT-connections.svg; direct at a fixed rate vs connected"
              + " clients in OUT-clients.svg; fan-out deliveries/s and p99 vs group"
              + " size in OUT-groups.svg. --kind picks which (default: direct).")
  static final class Sweep extends Scenario {
    /** Which sweeps to run. */
    enum Kind {
      direct,
      clients,
      connections,
      groups,
      all
    }

    @CommandLine.Option(
        names = "--kind",
        defaultValue = "direct",
        description = "direct, clients, connections, groups or all (default: ${DEFAULT-VALUE})")
    Kind kind = Kind.direct;

    @CommandLine.Option(
        names = "--rates",
        split = ",",
        defaultValue = "2000,5000,10000,15000,20000",
        description = "direct: total messages/s, comma-separated (default: ${DEFAULT-VALUE})")
    List<Double> rates = List.of();

    @CommandLine.Option(names = "--clients", defaultValue = "100", description = "even number")
    int clients = 100;

    @CommandLine.Option(names = "--payload", defaultValue = "100", description = "text bytes")
    int payload = 100;

    @CommandLine.Option(names = "--with-baseline", description = "also sweep the baseline relay")
    boolean withBaseline;

    @CommandLine.Option(
        names = "--client-counts",
        split = ",",
        defaultValue = "100,1000,10000",
        description = "clients: connected clients of a direct run (default: ${DEFAULT-VALUE})")
    List<Integer> clientCounts = List.of();

    @CommandLine.Option(
        names = "--clients-rate",
        defaultValue = "10000",
        description = "clients: total messages/s, fixed (default: ${DEFAULT-VALUE})")
    double clientsRate = 10000;

    @CommandLine.Option(
        names = "--counts",
        split = ",",
        defaultValue = "1000,2000,5000,10000",
        description = "connections: connection counts (default: ${DEFAULT-VALUE})")
    List<Integer> counts = List.of();

    @CommandLine.Option(
        names = "--group-sizes",
        split = ",",
        defaultValue = "10,100,500,2000",
        description = "groups: members per group, one group each (default: ${DEFAULT-VALUE})")
    List<Integer> groupSizes = List.of();

    @CommandLine.Option(
        names = "--group-rate",
        defaultValue = "50",
        description = "groups: messages/s into the group, fixed (default: ${DEFAULT-VALUE})")
    double groupRate = 50;

    @CommandLine.Option(
        names = "--group-senders",
        defaultValue = "5",
        description = "groups: senders in the group (default: ${DEFAULT-VALUE})")
    int groupSenders = 5;

    @CommandLine.Option(
        names = "--out",
        defaultValue = "bench-sweep.svg",
        description =
            "direct chart file; the others are written next to it as NAME-connections.svg and"
                + " NAME-groups.svg (default: ${DEFAULT-VALUE})")
    java.nio.file.Path out = java.nio.file.Path.of("bench-sweep.svg");

    /** {@code dir/bench-sweep.svg} -> {@code dir/bench-sweep-SUFFIX.svg}. */
    static java.nio.file.Path sibling(java.nio.file.Path out, String suffix) {
      String name = out.getFileName().toString();
      int dot = name.lastIndexOf('.');
      String base = dot > 0 ? name.substring(0, dot) : name;
      String ext = dot > 0 ? name.substring(dot) : ".svg";
      return out.resolveSibling(base + "-" + suffix + ext);
    }

    @Override
    Result run(Session s) throws Exception {
      Result result = new Result("sweep").put("kind", kind.name());
      if (kind == Kind.direct || kind == Kind.all) {
        direct(s, result);
      }
      if (kind == Kind.clients || kind == Kind.all) {
        clients(s, result);
      }
      if (kind == Kind.connections || kind == Kind.all) {
        connections(s, result);
      }
      if (kind == Kind.groups || kind == Kind.all) {
        groups(s, result);
      }
      return result.put("server_cpus", s.target().serverCpus());
    }

    /** Direct load at one fixed rate spread over more and more connected clients. */
    private void clients(Session s, Result result) throws Exception {
      List<Map<String, Object>> points = new ArrayList<>();
      List<SvgChart.Point> delivered = new ArrayList<>();
      List<SvgChart.Point> p99 = new ArrayList<>();
      Map<String, List<SvgChart.Point>> series = new java.util.LinkedHashMap<>();
      series.put("delivered/s", delivered);
      series.put("p99 latency, ms", p99);
      for (int n : clientCounts) {
        int even = n - n % 2;
        DirectLoad.Options o =
            new DirectLoad.Options(even, clientsRate, common.duration, common.warmup, payload);
        List<Admin.UserToken> users = s.admin().users(s.target().app(), runPrefix("c"), even);
        Result r = DirectLoad.run("direct", s.target(), users, o);
        points.add(r.fields());
        delivered.add(new SvgChart.Point(even, ((Number) r.get("throughput_per_s")).doubleValue()));
        p99.add(new SvgChart.Point(even, ((Number) r.get("p99_ms")).doubleValue()));
        progress(r);
      }
      java.nio.file.Path file = sibling(out, "clients");
      java.nio.file.Files.writeString(
          file,
          SvgChart.render(
              "direct at " + (long) clientsRate + " messages/s vs connected clients",
              "clients (pairs exchanging 1:1 messages)",
              "delivered/s / p99 ms (log)",
              series));
      result.put("clients_chart", file.toAbsolutePath().toString());
      result.put("clients_points", points);
    }

    private void connections(Session s, Result result) throws Exception {
      List<Map<String, Object>> points = new ArrayList<>();
      List<SvgChart.Point> bytes = new ArrayList<>();
      List<SvgChart.Point> rate = new ArrayList<>();
      Map<String, List<SvgChart.Point>> series = new java.util.LinkedHashMap<>();
      series.put("server bytes per connection (RSS + live heap)", bytes);
      series.put("connects/s (authenticated)", rate);
      for (int count : counts) {
        Result r = ConnectionsLoad.run(s.target(), s.admin(), count, 0, common.duration);
        points.add(r.fields());
        long perConn = ((Number) r.get("server_bytes_per_connection")).longValue();
        if (perConn > 0) {
          bytes.add(new SvgChart.Point(count, perConn));
        }
        rate.add(new SvgChart.Point(count, ((Number) r.get("connect_rate_per_s")).doubleValue()));
        System.err.printf(
            "bench sweep: connections count=%d connected=%s connects/s=%s bytes/conn=%s%n",
            count, r.get("connected"), r.get("connect_rate_per_s"), perConn);
        // let the server drop the closed connections before the next count's baseline
        Thread.sleep(2000);
      }
      java.nio.file.Path file = sibling(out, "connections");
      java.nio.file.Files.writeString(
          file,
          SvgChart.render(
              "connections: memory and connect rate vs connection count (one server)",
              "idle authenticated connections",
              "bytes per connection / connects per s (log)",
              series));
      result.put("connections_chart", file.toAbsolutePath().toString());
      result.put("connections_points", points);
    }

    private void groups(Session s, Result result) throws Exception {
      List<Map<String, Object>> points = new ArrayList<>();
      List<SvgChart.Point> deliveries = new ArrayList<>();
      List<SvgChart.Point> p99 = new ArrayList<>();
      Map<String, List<SvgChart.Point>> series = new java.util.LinkedHashMap<>();
      series.put("deliveries/s", deliveries);
      series.put("p99 latency, ms", p99);
      for (int members : groupSizes) {
        Result r =
            GroupLoad.run(
                s.target(),
                s.admin(),
                new GroupLoad.Options(
                    1,
                    members,
                    Math.min(groupSenders, members),
                    groupRate,
                    common.duration,
                    common.warmup,
                    payload));
        points.add(r.fields());
        deliveries.add(
            new SvgChart.Point(members, ((Number) r.get("throughput_per_s")).doubleValue()));
        p99.add(new SvgChart.Point(members, ((Number) r.get("p99_ms")).doubleValue()));
        System.err.printf(
            "bench sweep: group members=%d deliveries/s=%s p99_ms=%s lost=%s dup=%s%n",
            members,
            r.get("throughput_per_s"),
            r.get("p99_ms"),
            r.get("lost"),
            r.get("duplicates"));
      }
      java.nio.file.Path file = sibling(out, "groups");
      java.nio.file.Files.writeString(
          file,
          SvgChart.render(
              "group fan-out vs group size (" + (long) groupRate + " messages/s into one group)",
              "members per group (all online)",
              "deliveries/s / p99 ms (log)",
              series));
      result.put("groups_chart", file.toAbsolutePath().toString());
      result.put("groups_points", points);
    }

    private void direct(Session s, Result result) throws Exception {
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
      result.put("chart", out.toAbsolutePath().toString()).put("points", points);
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
