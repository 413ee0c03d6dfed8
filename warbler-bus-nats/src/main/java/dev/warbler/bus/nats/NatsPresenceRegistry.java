package dev.warbler.bus.nats;

import dev.warbler.core.spi.PresenceRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's {@link PresenceRegistry} in JetStream key-value buckets.
 *
 * <p>The presence bucket has one key per (app, user) ({@link Subjects#presenceKey}), whose value is
 * the set of entries {@code node incarnation} holding the user's connections; an incarnation is
 * random per registry (per process start), so a node restarted under the same id never mistakes its
 * previous life's entries for its own. Every change is a compare-and-set on the key's revision: a
 * node that lost the race to another reads the key again and retries, so of racing nodes exactly
 * one sees each transition. A transition's version is the revision its write got: the bucket's
 * sequence, which only grows. A user gone offline keeps its key with an empty set (deleting it
 * would leave no revision to report).
 *
 * <p>Liveness: each registry puts its incarnation into the nodes bucket ({@code BUCKET-nodes},
 * whose entries expire after {@link NatsConfig#nodeTimeout}) every third of the timeout. {@link
 * #repair} scans the presence bucket when it first runs and whenever an incarnation it saw alive is
 * gone, and removes the entries of incarnations without a heartbeat (compare-and-set again, so
 * exactly one repairing node reports each offline transition). A registry that finds its own
 * heartbeat expired (a pause longer than the timeout) asks its node to add its users again.
 *
 * <p>Each call is a round trip to NATS (two with a write); a scan is one per user key. The "local
 * view" the port allows for is a later step.
 */
public final class NatsPresenceRegistry implements PresenceRegistry, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NatsPresenceRegistry.class);

  /** JetStream's error code for "wrong last sequence": someone else wrote the key first. */
  private static final int WRONG_LAST_SEQUENCE = 10071;

  /** Each lost race widens the random pause before the next attempt by this much. */
  private static final long BACKOFF_STEP_NANOS = 200_000;

  /** The widest pause: a presence change should take milliseconds, not seconds. */
  private static final long MAX_BACKOFF_NANOS = 10_000_000;

  private final Connection connection;
  private final KeyValueManagement kvm;
  private final KeyValue kv;
  private final KeyValue nodes;
  private final String node;
  private final String incarnation;
  private final int maxAttempts;
  private final ScheduledExecutorService heartbeat;
  private volatile boolean beaten;
  private volatile boolean lapsed;
  private volatile long silentUntil;
  // Guarded by this (repair runs one at a time).
  private Set<String> lastLive = Set.of();
  private boolean scanned;

  private NatsPresenceRegistry(Connection connection, String node, NatsConfig config) {
    this.connection = connection;
    this.node = node;
    this.maxAttempts = config.presenceMaxAttempts();
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    this.incarnation = HexFormat.of().formatHex(random);
    String bucket = config.presenceBucket();
    KeyValueOptions options =
        config.jetStreamDomain().isEmpty()
            ? KeyValueOptions.builder().build()
            : KeyValueOptions.builder().jsDomain(config.jetStreamDomain()).build();
    try {
      this.kvm = connection.keyValueManagement(options);
      this.kv =
          bucket(
              KeyValueConfiguration.builder()
                  .name(bucket)
                  .storageType(StorageType.File)
                  .maxHistoryPerKey(1)
                  .build(),
              options);
      this.nodes =
          bucket(
              KeyValueConfiguration.builder()
                  .name(bucket + "-nodes")
                  .storageType(StorageType.File)
                  .maxHistoryPerKey(1)
                  .ttl(config.nodeTimeout())
                  .build(),
              options);
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException(
          "cannot open the NATS key-value bucket '" + bucket + "' (is JetStream on?): " + e, e);
    }
    // Alive before the first add: a repairing node never takes this one's entries for a dead one's.
    beat();
    if (!beaten) {
      throw new IllegalStateException("cannot write this node's heartbeat to NATS");
    }
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "presence-heartbeat");
          t.setDaemon(true);
          return t;
        });
    long every = Math.max(100, config.nodeTimeout().toMillis() / 3);
    heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
  }

  private KeyValue bucket(KeyValueConfiguration config, KeyValueOptions options)
      throws IOException, JetStreamApiException {
    if (!kvm.getBucketNames().contains(config.getBucketName())) {
      try {
        kvm.create(config);
      } catch (JetStreamApiException e) {
        // Another node created it meanwhile; opening it below checks it is there.
      }
    }
    return connection.keyValue(config.getBucketName(), options);
  }

  /**
   * A registry for {@code node} on its own connection (closed with it), creating the buckets when
   * missing.
   */
  public static NatsPresenceRegistry connect(String node, NatsConfig config) {
    Connection connection = NatsBus.open(config, config.connectionName() + "-presence");
    try {
      return new NatsPresenceRegistry(connection, node, config);
    } catch (RuntimeException e) {
      closeConnection(connection);
      throw e;
    }
  }

  /** Deletes both buckets with every key in them (for tests and teardown). */
  public void deleteBucket() {
    for (String name : List.of(kv.getBucketName(), nodes.getBucketName())) {
      try {
        kvm.delete(name);
      } catch (IOException | JetStreamApiException e) {
        throw new IllegalStateException("cannot delete bucket " + name + ": " + e, e);
      }
    }
  }

  @Override
  public Transition add(String app, String user, String node) {
    String entry = entry(node);
    return change(app, user, set -> set.add(entry));
  }

  @Override
  public Transition remove(String app, String user, String node) {
    String entry = entry(node);
    return change(app, user, set -> set.remove(entry));
  }

  @Override
  public boolean online(String app, String user) {
    try {
      KeyValueEntry e = kv.get(Subjects.presenceKey(app, user));
      return e != null && !entries(e).isEmpty();
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot read presence of " + user + ": " + e, e);
    }
  }

  @Override
  public synchronized Repair repair() {
    boolean reassert = lapsed;
    lapsed = false;
    Set<String> live;
    try {
      live = new HashSet<>(nodes.keys());
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot list the cluster's live nodes: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Repair(List.of(), reassert);
    }
    boolean someoneDied = !live.containsAll(lastLive);
    lastLive = Set.copyOf(live);
    if (scanned && !someoneDied) {
      return new Repair(List.of(), reassert);
    }
    List<Departed> offline = scan(live);
    scanned = true;
    return new Repair(offline, reassert);
  }

  /** Removes the entries of dead incarnations from every user key; the offline transitions. */
  private List<Departed> scan(Set<String> live) {
    Map<String, Boolean> alive = new HashMap<>();
    live.forEach(i -> alive.put(i, true));
    Predicate<String> dead =
        entry -> !alive.computeIfAbsent(incarnationOf(entry), this::stillBeating);
    List<Departed> offline = new ArrayList<>();
    try {
      for (String key : kv.keys()) {
        KeyValueEntry e = kv.get(key);
        if (e == null || entries(e).stream().noneMatch(dead)) {
          continue;
        }
        int dot = key.indexOf('.');
        String app = Subjects.untoken(key.substring(0, dot));
        String user = Subjects.untoken(key.substring(dot + 1));
        Transition t = change(app, user, set -> set.removeIf(dead));
        if (t.changed()) {
          offline.add(new Departed(app, user, t));
        }
      }
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot scan the presence bucket: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!offline.isEmpty()) {
      log.info("{} users went offline with nodes that stopped without a word", offline.size());
    }
    return offline;
  }

  /** Asked again for an incarnation that started after the scan listed the live ones. */
  private boolean stillBeating(String incarnation) {
    try {
      return !incarnation.isEmpty() && nodes.get(incarnation) != null;
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot read the heartbeat of " + incarnation + ": " + e, e);
    }
  }

  /**
   * Puts this incarnation's heartbeat; notes when it had expired (the cluster took us for dead).
   */
  private void beat() {
    if (System.nanoTime() - silentUntil < 0) {
      return;
    }
    try {
      KeyValueEntry before = beaten ? nodes.get(incarnation) : null;
      if (beaten && before == null) {
        lapsed = true;
      }
      nodes.put(incarnation, node.getBytes(StandardCharsets.UTF_8));
      beaten = true;
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      // NATS unreachable: the next beat tries again; a lapse shows then.
      log.debug("presence heartbeat failed: {}", e.toString());
    }
  }

  /** Stops the heartbeat without a word, as a killed process does (for tests). */
  void stopBeating() {
    heartbeat.shutdownNow();
  }

  /** Skips heartbeats for a while, as a long pause or a network cut does (for tests). */
  void stopBeatingFor(Duration pause) {
    silentUntil = System.nanoTime() + pause.toNanos();
  }

  /** Changes one user's entries with {@code edit}, which says whether it changed the set. */
  private Transition change(String app, String user, Predicate<TreeSet<String>> edit) {
    String key = Subjects.presenceKey(app, user);
    for (int attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        KeyValueEntry entry = kv.get(key);
        TreeSet<String> set = entry == null ? new TreeSet<>() : entries(entry);
        boolean wasOnline = !set.isEmpty();
        if (!edit.test(set)) {
          return Transition.NONE;
        }
        byte[] value = String.join("\n", set).getBytes(StandardCharsets.UTF_8);
        long revision =
            entry == null ? kv.create(key, value) : kv.update(key, value, entry.getRevision());
        boolean online = !set.isEmpty();
        return online == wasOnline ? Transition.NONE : new Transition(true, online, revision);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) {
          throw new IllegalStateException("cannot change presence of " + user + ": " + e, e);
        }
        // Another node wrote the key since we read it: read again after a random pause that
        // grows with the losses, so racing nodes spread out instead of colliding again.
        LockSupport.parkNanos(
            ThreadLocalRandom.current()
                .nextLong(1 + Math.min(MAX_BACKOFF_NANOS, (attempt + 1) * BACKOFF_STEP_NANOS)));
      } catch (IOException e) {
        throw new IllegalStateException("cannot change presence of " + user + ": " + e, e);
      }
    }
    throw new IllegalStateException(
        "presence of "
            + user
            + " kept changing under "
            + maxAttempts
            + " attempts (nats presence max attempts)");
  }

  /** This incarnation's entry for {@code node}: the node id as a token (it may hold anything). */
  private String entry(String node) {
    return Subjects.token(node) + " " + incarnation;
  }

  private static String incarnationOf(String entry) {
    int space = entry.indexOf(' ');
    return space < 0 ? "" : entry.substring(space + 1);
  }

  private static TreeSet<String> entries(KeyValueEntry entry) {
    byte[] v = entry.getValue();
    TreeSet<String> set = new TreeSet<>();
    if (v != null && v.length > 0) {
      for (String line : new String(v, StandardCharsets.UTF_8).split("\n")) {
        set.add(line);
      }
    }
    return set;
  }

  /** Stops the heartbeat and takes it back, so the others repair at once, not after the timeout. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      nodes.delete(incarnation);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      log.debug("could not take back the heartbeat: {}", e.toString());
    }
    closeConnection(connection);
  }

  private static void closeConnection(Connection connection) {
    try {
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
