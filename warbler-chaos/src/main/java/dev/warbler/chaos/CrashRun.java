package dev.warbler.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.bench.Admin;
import dev.warbler.bench.ClusterBackends;
import dev.warbler.bench.LoadClient;
import dev.warbler.bench.LoadClient.Conn;
import dev.warbler.bench.SpawnedServer;
import dev.warbler.chaos.Recorder.Sent;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.testkit.HistoryChecker;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One {@code chaos crash} run. Senders (each one WebSocket connection, up to {@code window} sends
 * in flight) send to their two ring neighbours (direct) and to one group of all senders; an
 * outsider, member of nothing, tries to send to the group and records what is pushed to it. Each
 * round starts the server on the same data directory, reconnects everyone, sends first the retries
 * chosen after the previous kill (same client message id), then new messages, and SIGKILLs the
 * server at a random moment. After the last round a final server takes the last retries and serves
 * the history that {@link HistoryChecker} checks against everything recorded.
 */
final class CrashRun {
  /**
   * What to run.
   *
   * @param rounds kills; the run starts rounds + 1 servers
   * @param seed drives the kill moments, the targets and the retry choices (thread scheduling still
   *     varies between runs)
   * @param senders users sending concurrently, at least 2
   * @param window sends in flight per sender
   * @param restSenders threads sending through the REST API (one request at a time each)
   * @param roundSeconds the longest a round runs, from its first ack, before its kill; each kill
   *     comes at a uniformly random moment between a quarter of it and all of it
   * @param retryShare share of the unanswered sends retried after a restart; the rest are given up
   * @param data data directory, null for a new temporary one
   * @param keep keep a temporary data directory afterwards
   * @param durability store.sqlite.durability of the server, null for the serve default
   * @param serverOptions JVM options of the server
   * @param cluster several nodes on a shared store and bus instead of one (off by default)
   */
  record Options(
      int rounds,
      long seed,
      int senders,
      int window,
      int restSenders,
      double roundSeconds,
      double retryShare,
      @Nullable Path data,
      boolean keep,
      @Nullable String durability,
      List<String> serverOptions,
      Cluster cluster) {
    Options {
      if (rounds < 1 || senders < 2 || window < 1 || restSenders < 0 || roundSeconds <= 0) {
        throw new IllegalArgumentException(
            "need --rounds >= 1, --senders >= 2, --window >= 1, --round-seconds > 0");
      }
      if (retryShare < 0 || retryShare > 1) {
        throw new IllegalArgumentException("--retry-share must be within 0..1");
      }
      if (cluster.on() && senders < cluster.nodes()) {
        throw new IllegalArgumentException("need --senders >= --cluster, so every node has one");
      }
    }
  }

  /**
   * A cluster run: {@code nodes} servers on {@code backends}' PostgreSQL (a new schema per run) and
   * NATS (new subjects and buckets per run); 0 nodes is the single-node run on SQLite.
   */
  record Cluster(int nodes, ClusterBackends backends) {
    Cluster {
      if (nodes != 0 && nodes < 2) {
        throw new IllegalArgumentException("--cluster needs at least 2 nodes but was " + nodes);
      }
    }

    boolean on() {
      return nodes > 0;
    }
  }

  private static final String APP = "default";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Options o;
  private final PrintStream progress;
  private final Random random;
  private final Recorder rec = new Recorder();
  private final String prefix;
  private final String adminKey = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
  private final Map<String, Set<String>> members = new LinkedHashMap<>();
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final Map<String, List<Sent>> retries = new ConcurrentHashMap<>();
  private final AtomicLong counter = new AtomicLong();
  private List<String> senders = List.of();
  private String outsider = "";
  private String group = "";
  private String synchronous = "unknown";
  private long inFlightAtKills;
  private long killsWithSendsInFlight;
  private final Map<String, CompletableFuture<Void>> syncs = new ConcurrentHashMap<>();
  private final List<Long> recoveryMillis = new CopyOnWriteArrayList<>();

  CrashRun(Options o, PrintStream progress) {
    this.o = o;
    this.progress = progress;
    this.random = new Random(o.seed());
    this.prefix = "ch" + Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
  }

  /** The figures and the checker's report; {@code ok} is false on any violation. */
  Map<String, Object> run() throws Exception {
    long t0 = System.nanoTime();
    boolean temporary = o.data() == null;
    Path data = temporary ? Files.createTempDirectory("warbler-chaos-") : o.data();
    if (!Files.isDirectory(data)) {
      // Owner only, as the server requires of its data directory (it holds every app secret).
      Files.createDirectories(
          data,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    }
    Path log = data.resolve("chaos-server.log");
    if (o.cluster().on()) {
      try {
        return runCluster(data, temporary, t0);
      } finally {
        if (temporary && !o.keep()) {
          delete(data);
        }
      }
    }
    try {
      for (int round = 1; round <= o.rounds(); round++) {
        try (SpawnedServer server = start(data, log)) {
          if (round == 1) {
            setUp(server);
          }
          round(server, round);
        }
      }
      List<HistoryChecker.Stored> history;
      try (SpawnedServer server = start(data, log)) {
        finalRetries(server);
        history = history(new Admin(server.target().http(), adminKey));
      }
      return figures(
          check(history), (System.nanoTime() - t0) / 1e9, temporary && !o.keep() ? null : data);
    } finally {
      if (temporary && !o.keep()) {
        delete(data);
      }
    }
  }

  private SpawnedServer start(Path data, Path log) {
    // Durability is under test, not the abuse limits: senders pipeline far above a user's rate.
    Map<String, String> env = new LinkedHashMap<>(SpawnedServer.HIGH_LIMITS);
    if (o.durability() != null) {
      env.put("WARBLER_STORE_SQLITE_DURABILITY", o.durability());
    }
    env.put("WARBLER_GATEWAY_HOST", "127.0.0.1");
    env.put("WARBLER_HTTP_HOST", "127.0.0.1");
    return SpawnedServer.start(
        new SpawnedServer.Launch(
            data, adminKey, o.serverOptions(), env, "", false, log, Duration.ofMinutes(5)));
  }

  /** Users, their tokens (valid across restarts: the app secret is stored), the group. */
  private void setUp(SpawnedServer server) {
    Admin admin = new Admin(server.target().http(), adminKey);
    synchronous = synchronousName(admin.metric("warbler_store_sqlite_synchronous"));
    List<String> names = new ArrayList<>();
    for (Admin.UserToken u : admin.users(APP, prefix + "-s", o.senders())) {
      tokens.put(u.user(), u.token());
      names.add(u.user());
    }
    senders = List.copyOf(names);
    Admin.UserToken out = admin.users(APP, prefix + "-out", 1).get(0);
    outsider = out.user();
    tokens.put(outsider, out.token());
    group = prefix + "-grp";
    admin.createGroup(APP, group, senders);
    members.put("g:" + group, new LinkedHashSet<>(senders));
    for (int i = 0; i < senders.size(); i++) {
      String a = senders.get(i);
      String b = senders.get((i + 1) % senders.size());
      members.put(direct(a, b), Set.of(a, b));
    }
  }

  /** SQLite's {@code PRAGMA synchronous} values as the server's gauge reports them. */
  static String synchronousName(double value) {
    return switch ((int) value) {
      case 0 -> Double.isNaN(value) ? "unknown" : "OFF";
      case 1 -> "NORMAL";
      case 2 -> "FULL";
      case 3 -> "EXTRA";
      default -> "unknown";
    };
  }

  static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  /** Connects everyone; frames are recorded from here on. */
  private Map<String, Conn> connect(LoadClient client, Map<String, Semaphore> windows)
      throws Exception {
    Map<String, Conn> conns = new LinkedHashMap<>();
    List<String> everyone = new ArrayList<>(senders);
    everyone.add(outsider);
    for (String user : everyone) {
      conns.put(user, connect(client, user, windows.get(user)));
    }
    return conns;
  }

  /** Connects one user; its frames are recorded from here on. */
  private Conn connect(LoadClient client, String user, @Nullable Semaphore window)
      throws Exception {
    Conn c = client.connect(user, tokens.get(user)).get(30, TimeUnit.SECONDS);
    c.onFrame(f -> onFrame(user, f, window));
    return c;
  }

  private void onFrame(String user, ServerFrame f, @Nullable Semaphore window) {
    switch (f.getBodyCase()) {
      case SEND_ACK -> {
        if (user.equals(outsider)) {
          rec.outsiderAcked.increment();
        }
        rec.acked(user, f.getSendAck(), System.nanoTime());
        if (window != null) {
          window.release();
        }
      }
      case SYNC_RESULT -> {
        CompletableFuture<Void> waiting = syncs.remove(f.getId());
        if (waiting != null) {
          waiting.complete(null);
        }
      }
      case ERROR -> {
        CompletableFuture<Void> waiting = syncs.remove(f.getId());
        if (waiting != null) {
          waiting.completeExceptionally(
              new IllegalStateException("sync refused: " + f.getError().getMessage()));
          return;
        }
        if (user.equals(outsider)) {
          rec.outsiderRefused.increment();
          return;
        }
        Sent s = rec.sent(user, f.getId());
        if (s != null && !f.getError().getRetryable()) {
          s.failed = true;
        }
        rec.errors.increment();
        if (window != null) {
          window.release();
        }
      }
      case MESSAGE -> rec.delivered(user, f.getMessage());
      default -> {}
    }
  }

  // ---- cluster runs: N nodes on one PostgreSQL and one NATS; one killed per round --------------

  private Map<String, Object> runCluster(Path data, boolean temporary, long t0) throws Exception {
    int n = o.cluster().nodes();
    SpawnedServer[] nodes = new SpawnedServer[n];
    try {
      for (int i = 0; i < n; i++) {
        nodes[i] = startNode(data, i);
      }
      setUp(nodes[0]);
      synchronous = "postgres";
      for (int round = 1; round <= o.rounds(); round++) {
        clusterRound(nodes, data, round);
      }
      finalRetries(nodes[0]);
      HistoryChecker.Report report = check(history(new Admin(nodes[0].target().http(), adminKey)));
      return figures(report, (System.nanoTime() - t0) / 1e9, temporary && !o.keep() ? null : data);
    } finally {
      for (SpawnedServer node : nodes) {
        if (node != null) {
          node.close();
        }
      }
      if (!o.keep()) {
        o.cluster().backends().dropSchema(schema());
      }
    }
  }

  /** Everything recorded against the history read back. */
  private HistoryChecker.Report check(List<HistoryChecker.Stored> history) {
    return HistoryChecker.check(
        new HistoryChecker.Input(
            rec.checkerSends(), rec.checkerAcks(), history, members, rec.checkerDeliveries()));
  }

  /** Node {@code i} of the cluster, on its own data directory (keys, logs) under {@code data}. */
  private SpawnedServer startNode(Path data, int i) throws IOException {
    Path dir = data.resolve("node-" + i);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    }
    Map<String, String> env = new LinkedHashMap<>(SpawnedServer.HIGH_LIMITS);
    env.put("WARBLER_GATEWAY_HOST", "127.0.0.1");
    env.put("WARBLER_HTTP_HOST", "127.0.0.1");
    env.putAll(o.cluster().backends().nodeEnvironment(schema(), prefix, i));
    return SpawnedServer.start(
        new SpawnedServer.Launch(
            dir,
            adminKey,
            o.serverOptions(),
            env,
            "",
            false,
            data.resolve("chaos-node-" + i + ".log"),
            Duration.ofMinutes(5)));
  }

  /** The run's PostgreSQL schema: new per run, dropped at the end unless {@code --keep}. */
  String schema() {
    return "chaos_" + prefix;
  }

  /**
   * One cluster round: every sender on its home node (rotating with the round), traffic, then a
   * SIGKILL of one node at a random moment; its clients move to the next node, sync, retry part of
   * their unanswered sends and go on while the others never stop. The round ends after as long
   * again; the killed node restarts for the next one.
   */
  private void clusterRound(SpawnedServer[] nodes, Path data, int round) throws Exception {
    int n = nodes.length;
    int victim = random.nextInt(n);
    int refuge = (victim + 1) % n;
    long killAfterMs = (long) (o.roundSeconds() * 1000 * (0.25 + 0.75 * random.nextDouble()));
    long[] seeds = new long[senders.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = random.nextLong();
    }
    AtomicBoolean stop = new AtomicBoolean();
    Set<Integer> down = ConcurrentHashMap.newKeySet();
    LoadClient[] clients = new LoadClient[n];
    Map<String, Conn> conns = new ConcurrentHashMap<>();
    Map<String, Semaphore> windows = new ConcurrentHashMap<>();
    Map<String, AtomicBoolean> halts = new ConcurrentHashMap<>();
    Map<String, Thread> sending = new ConcurrentHashMap<>();
    List<Thread> others = new ArrayList<>();
    long inFlight = 0;
    int moved = 0;
    try {
      for (int i = 0; i < n; i++) {
        clients[i] = new LoadClient(nodes[i].target().ws(), 1);
      }
      for (int i = 0; i < senders.size(); i++) {
        String sender = senders.get(i);
        int home = (i + round) % n;
        Semaphore w = new Semaphore(o.window());
        windows.put(sender, w);
        Conn c = connect(clients[home], sender, w);
        conns.put(sender, c);
        AtomicBoolean halt = new AtomicBoolean();
        halts.put(sender, halt);
        Random r = new Random(seeds[i]);
        List<Sent> again = retries.getOrDefault(sender, List.of());
        sending.put(sender, Thread.ofVirtual().start(() -> send(c, w, again, r, halt, true)));
      }
      Conn out = connect(clients[refuge], outsider, null);
      others.add(Thread.ofVirtual().start(() -> tryToPostAsOutsider(out, stop)));
      Admin[] admins = new Admin[n];
      for (int i = 0; i < n; i++) {
        admins[i] = new Admin(nodes[i].target().http(), adminKey);
      }
      for (int i = 0; i < o.restSenders(); i++) {
        Random r = new Random(seeds[i % seeds.length] + 1);
        Supplier<Admin> anyUp =
            () -> {
              int k = r.nextInt(n);
              return down.contains(k) ? admins[refuge] : admins[k];
            };
        others.add(Thread.ofVirtual().start(() -> sendOverRest(anyUp, r, stop)));
      }
      long acksBefore = rec.ackCount();
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (rec.ackCount() == acksBefore && System.nanoTime() < waitUntil) {
        sleep(5);
      }
      sleep(killAfterMs);
      for (Semaphore w : windows.values()) {
        inFlight += o.window() - w.availablePermits();
      }
      nodes[victim].killHard();
      long killedAt = System.nanoTime();
      down.add(victim);
      List<Thread> movers = new ArrayList<>();
      for (int i = 0; i < senders.size(); i++) {
        if ((i + round) % n != victim) {
          continue;
        }
        String sender = senders.get(i);
        Random r = new Random(seeds[i] + 2);
        moved++;
        movers.add(
            Thread.ofVirtual()
                .start(() -> {
                  try {
                    move(sender, clients[refuge], conns, windows, halts, sending, r, stop, round);
                    recoveryMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                  } catch (Exception e) {
                    throw new IllegalStateException(sender + " could not move: " + e, e);
                  }
                }));
      }
      for (Thread t : movers) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      // The survivors serve on as long again, moved clients included.
      sleep(killAfterMs);
      stop.set(true);
      halts.values().forEach(h -> h.set(true));
      for (Thread t : sending.values()) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      for (Thread t : others) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      // Sends in flight on live nodes get their answers: a clean end, not a kill.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline
          && windows.values().stream().anyMatch(w -> w.availablePermits() < o.window())) {
        sleep(20);
      }
      sleep(200);
      conns.values().forEach(Conn::close);
      out.close();
    } finally {
      for (LoadClient c : clients) {
        if (c != null) {
          c.close();
        }
      }
    }
    inFlightAtKills += inFlight;
    if (inFlight > 0) {
      killsWithSendsInFlight++;
    }
    chooseRetries();
    nodes[victim] = startNode(data, victim);
    progress.printf(
        "chaos crash: round %d/%d killed node-%d %d ms after its first ack with %d sends in flight;"
            + " %d clients moved to node-%d; %d acks so far%n",
        round, o.rounds(), victim, killAfterMs, inFlight, moved, refuge, rec.ackCount());
  }

  /**
   * Moves one client of the killed node: stops its sender, waits for its socket to be gone,
   * connects to {@code refuge}, syncs (the time to here is the recovery time), then retries part of
   * its unanswered sends with the same client message ids and goes on sending.
   */
  private void move(
      String sender,
      LoadClient refuge,
      Map<String, Conn> conns,
      Map<String, Semaphore> windows,
      Map<String, AtomicBoolean> halts,
      Map<String, Thread> sending,
      Random r,
      AtomicBoolean stop,
      int round)
      throws Exception {
    halts.get(sender).set(true);
    sending.get(sender).join(TimeUnit.SECONDS.toMillis(30));
    awaitClosed(List.of(conns.get(sender)));
    Semaphore w = new Semaphore(o.window());
    Conn c = connect(refuge, sender, w);
    String id = "sync-" + sender + "-" + round;
    CompletableFuture<Void> synced = new CompletableFuture<>();
    syncs.put(id, synced);
    c.send(
        ClientFrame.newBuilder()
            .setId(id)
            .setSync(Sync.newBuilder().setCursor(0).setLimit(100))
            .build());
    synced.get(30, TimeUnit.SECONDS);
    List<Sent> again = chooseRetries(sender);
    windows.put(sender, w);
    conns.put(sender, c);
    halts.put(sender, stop);
    sending.put(sender, Thread.ofVirtual().start(() -> send(c, w, again, r, stop, true)));
  }

  private void round(SpawnedServer server, int round) throws Exception {
    Map<String, Semaphore> windows = new LinkedHashMap<>();
    for (String s : senders) {
      windows.put(s, new Semaphore(o.window()));
    }
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    long inFlight = 0;
    long killAfterMs = (long) (o.roundSeconds() * 1000 * (0.25 + 0.75 * random.nextDouble()));
    long[] seeds = new long[senders.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = random.nextLong();
    }
    try (LoadClient client = new LoadClient(server.target().ws(), 1)) {
      Map<String, Conn> conns = connect(client, windows);
      for (int i = 0; i < senders.size(); i++) {
        String sender = senders.get(i);
        Random r = new Random(seeds[i]);
        Conn c = conns.get(sender);
        Semaphore w = windows.get(sender);
        List<Sent> again = retries.getOrDefault(sender, List.of());
        threads.add(Thread.ofVirtual().start(() -> send(c, w, again, r, stop, true)));
      }
      Admin admin = new Admin(server.target().http(), adminKey);
      for (int i = 0; i < o.restSenders(); i++) {
        Random r = new Random(seeds[i % seeds.length] + 1);
        threads.add(Thread.ofVirtual().start(() -> sendOverRest(() -> admin, r, stop)));
      }
      Conn out = conns.get(outsider);
      threads.add(Thread.ofVirtual().start(() -> tryToPostAsOutsider(out, stop)));
      // The clock of the kill starts at the round's first ack: a server just started (cold JIT, a
      // busy machine) may take a while to serve, and a kill before that would test nothing new.
      long acksBefore = rec.ackCount();
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (rec.ackCount() == acksBefore && System.nanoTime() < waitUntil) {
        sleep(5);
      }
      sleep(killAfterMs);
      for (Semaphore w : windows.values()) {
        inFlight += o.window() - w.availablePermits();
      }
      server.killHard();
      stop.set(true);
      inFlightAtKills += inFlight;
      if (inFlight > 0) {
        killsWithSendsInFlight++;
      }
      awaitClosed(conns.values());
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
    chooseRetries();
    progress.printf(
        "chaos crash: round %d/%d killed %d ms after its first ack with %d sends in flight;"
            + " %d acks so far%n",
        round, o.rounds(), killAfterMs, inFlight, rec.ackCount());
  }

  /** The final server: last retries, wait for their answers, then quiet. */
  private void finalRetries(SpawnedServer server) throws Exception {
    Map<String, Semaphore> windows = new LinkedHashMap<>();
    for (String s : senders) {
      windows.put(s, new Semaphore(o.window()));
    }
    AtomicBoolean stop = new AtomicBoolean();
    try (LoadClient client = new LoadClient(server.target().ws(), 1)) {
      Map<String, Conn> conns = connect(client, windows);
      List<Thread> threads = new ArrayList<>();
      for (String sender : senders) {
        Conn c = conns.get(sender);
        Semaphore w = windows.get(sender);
        List<Sent> again = retries.getOrDefault(sender, List.of());
        threads.add(Thread.ofVirtual().start(() -> send(c, w, again, new Random(1), stop, false)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (Thread t : threads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      stop.set(true);
      while (System.nanoTime() < deadline
          && windows.values().stream().anyMatch(w -> w.availablePermits() < o.window())) {
        sleep(20);
      }
      // Pushes of the retries trail their acks by a little; they are recorded too.
      sleep(300);
      conns.values().forEach(Conn::close);
    }
    progress.printf("chaos crash: final server took %d retries%n", rec.retried.sum());
  }

  /**
   * One sender: first the retries (same client message id as before the kill), then, while {@code
   * more}, new messages to a ring neighbour or the group, never more than the window in flight.
   */
  private void send(
      Conn conn, Semaphore window, List<Sent> again, Random r, AtomicBoolean stop, boolean more) {
    String me = conn.user;
    int i = senders.indexOf(me);
    for (Sent s : again) {
      if (!acquire(window, stop)) {
        return;
      }
      rec.retried.increment();
      conn.send(frame(s.clientMsgId, s.toUser, s.toGroup));
    }
    while (more && acquire(window, stop)) {
      Sent s = newSend(me, me + "-" + counter.incrementAndGet(), r.nextInt(3), i);
      rec.issued(s);
      conn.send(frame(s.clientMsgId, s.toUser, s.toGroup));
    }
  }

  /**
   * An app backend sending through the REST API on behalf of the senders, one request at a time, to
   * a ring neighbour or the group, each request to the node {@code admins} names (in a cluster, one
   * that is up). An unanswered REST send may be retried over WebSocket: the idempotency key is the
   * sender and client message id, whatever the transport.
   */
  private void sendOverRest(Supplier<Admin> admins, Random r, AtomicBoolean stop) {
    while (!stop.get()) {
      Admin admin = admins.get();
      String me = senders.get(r.nextInt(senders.size()));
      int i = senders.indexOf(me);
      String id = me + "-r" + counter.incrementAndGet();
      Sent s = newSend(me, id, r.nextInt(3), i);
      rec.issued(s);
      rec.restSends.increment();
      Map<String, String> body = new LinkedHashMap<>();
      body.put("from", me);
      if (s.toGroup != null) {
        body.put("group", s.toGroup);
      } else if (s.toUser != null) {
        body.put("to", s.toUser);
      }
      body.put("text", "chaos " + id);
      body.put("clientMsgId", id);
      try {
        JsonNode ack =
            admin.post("/v1/apps/" + APP + "/messages", JSON.writeValueAsString(body), 201);
        rec.acked(
            me,
            id,
            ack.get("conversation").asText(),
            ack.get("seq").asLong(),
            ack.path("duplicate").asBoolean(),
            System.nanoTime());
      } catch (IOException e) {
        // the server is gone (or refused): unanswered, a retry candidate
        if (!stop.get()) {
          sleep(10);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The outsider, member of nothing, posts to the group every 25 ms until {@code stop}. */
  private void tryToPostAsOutsider(Conn out, AtomicBoolean stop) {
    while (!stop.get()) {
      rec.outsiderAttempts.increment();
      out.send(frame(outsider + "-" + counter.incrementAndGet(), null, group));
      sleep(25);
    }
  }

  /** A new send of sender {@code i}: 0 to the group, 1 to the next sender, 2 to the previous. */
  private Sent newSend(String me, String id, int pick, int i) {
    String next = senders.get((i + 1) % senders.size());
    String previous = senders.get((i + senders.size() - 1) % senders.size());
    if (pick == 0) {
      return new Sent(me, id, "g:" + group, null, group, System.nanoTime());
    }
    String to = pick == 1 ? next : previous;
    return new Sent(me, id, direct(me, to), to, null, System.nanoTime());
  }

  /** A permit of the window; false once {@code stop} is set. */
  private static boolean acquire(Semaphore window, AtomicBoolean stop) {
    try {
      while (!stop.get()) {
        if (window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
          if (stop.get()) {
            window.release();
            return false;
          }
          return true;
        }
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static ClientFrame frame(String id, @Nullable String user, @Nullable String toGroup) {
    Send.Builder send =
        Send.newBuilder().setClientMsgId(id).setType(MessageType.TEXT).setText("chaos " + id);
    if (user != null) {
      send.setUser(user);
    } else if (toGroup != null) {
      send.setGroup(toGroup);
    }
    return ClientFrame.newBuilder().setId(id).setSend(send).build();
  }

  /** After a kill: each unanswered send is retried next time with probability retryShare. */
  private void chooseRetries() {
    retries.clear();
    for (String sender : senders) {
      retries.put(sender, chooseRetries(sender));
    }
  }

  /** The unanswered sends of one sender to retry; the others are given up. */
  private List<Sent> chooseRetries(String sender) {
    List<Sent> chosen = new ArrayList<>();
    for (Sent s : rec.unanswered(sender)) {
      synchronized (random) {
        if (random.nextDouble() < o.retryShare()) {
          chosen.add(s);
        } else {
          s.abandoned = true;
        }
      }
    }
    return chosen;
  }

  private static void awaitClosed(Iterable<Conn> conns) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (Conn c : conns) {
      while (c.open() && System.nanoTime() < deadline) {
        sleep(10);
      }
      c.close();
    }
  }

  /** Every message of every conversation of the run, read back over REST with the admin key. */
  private List<HistoryChecker.Stored> history(Admin admin) throws Exception {
    List<HistoryChecker.Stored> all = new ArrayList<>();
    for (String conversation : members.keySet()) {
      long before = 0;
      while (true) {
        JsonNode page =
            admin.get(
                "/v1/apps/"
                    + APP
                    + "/conversations/"
                    + URLEncoder.encode(conversation, StandardCharsets.UTF_8)
                    + "/messages?limit=500&before="
                    + before);
        JsonNode messages = page.get("messages");
        for (JsonNode m : messages) {
          all.add(
              new HistoryChecker.Stored(
                  conversation,
                  m.get("seq").asLong(),
                  m.path("from").asText(""),
                  m.path("clientMsgId").asText("")));
        }
        if (!page.path("more").asBoolean() || messages.isEmpty()) {
          break;
        }
        before = messages.get(0).get("seq").asLong();
      }
    }
    return all;
  }

  private Map<String, Object> figures(
      HistoryChecker.Report report, double seconds, @Nullable Path keptData) {
    Map<String, Object> f = new LinkedHashMap<>();
    Map<String, Object> r = report.fields();
    f.put("scenario", "crash");
    f.put("ok", report.ok());
    f.put("rounds", o.rounds());
    f.put("kills", o.rounds());
    f.put("nodesKilled", o.rounds());
    if (o.cluster().on()) {
      List<Long> sorted = recoveryMillis.stream().sorted().toList();
      f.put("nodes", o.cluster().nodes());
      f.put("store", "postgres");
      f.put("bus", "nats");
      f.put("schema", schema());
      f.put("clientsMoved", sorted.size());
      f.put("recoveryMsP50", sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2));
      f.put("recoveryMsMax", sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
    }
    f.put("sent", r.get("sent"));
    f.put("acked", r.get("acked"));
    f.put("lost", r.get("lost"));
    f.put("duplicates", r.get("duplicates"));
    f.put("gaps", r.get("gaps"));
    f.put("reordered", r.get("reordered"));
    f.put("strayDeliveries", r.get("strayDeliveries"));
    f.put("storedUnacked", r.get("storedUnacked"));
    f.put("mismatched", r.get("mismatched"));
    f.put("repeatedSeqs", r.get("repeatedSeqs"));
    f.put("nonMemberMessages", r.get("nonMemberMessages"));
    f.put("phantomDeliveries", r.get("phantomDeliveries"));
    f.put("restSends", rec.restSends.sum());
    f.put("retried", rec.retried.sum());
    f.put("retriedDuplicates", rec.retriedDuplicates.sum());
    f.put("committedUnacked", report.storedUnacked() + rec.retriedDuplicates.sum());
    f.put("inFlightAtKills", inFlightAtKills);
    f.put("killsWithSendsInFlight", killsWithSendsInFlight);
    f.put("errors", rec.errors.sum());
    f.put("outsiderAttempts", rec.outsiderAttempts.sum());
    f.put("outsiderRefused", rec.outsiderRefused.sum());
    f.put("outsiderAcked", rec.outsiderAcked.sum());
    f.put("deliveries", rec.deliveries());
    f.put("stored", r.get("stored"));
    f.put("conversations", r.get("conversations"));
    f.put("senders", o.senders());
    f.put("window", o.window());
    f.put("restSenders", o.restSenders());
    f.put("round_s", o.roundSeconds());
    f.put("seed", o.seed());
    f.put("durability", o.durability() == null ? "default" : o.durability());
    f.put("synchronous", synchronous);
    f.put("elapsed_s", Math.round(seconds * 10) / 10.0);
    if (keptData != null) {
      f.put("data", keptData.toAbsolutePath().toString());
    }
    if (!report.examples().isEmpty()) {
      f.put("examples", report.examples());
    }
    return f;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
