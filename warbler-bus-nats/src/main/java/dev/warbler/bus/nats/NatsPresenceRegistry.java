package dev.warbler.bus.nats;

import dev.warbler.core.spi.PresenceRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The cluster's {@link PresenceRegistry} in a JetStream key-value bucket: one key per (app, user)
 * ({@link Subjects#presenceKey}), whose value is the set of nodes holding the user's connections.
 * Every change is a compare-and-set on the key's revision: a node that lost the race to another
 * reads the key again and retries, so of racing nodes exactly one sees each transition. A
 * transition's version is the revision its write got: the bucket's sequence, which only grows.
 *
 * <p>A user gone offline keeps its key with an empty set (deleting it would leave no revision to
 * report). Each call is a round trip to NATS (two with a write): the "local view" the port allows
 * for is a later step.
 */
public final class NatsPresenceRegistry implements PresenceRegistry, AutoCloseable {
  /** JetStream's error code for "wrong last sequence": someone else wrote the key first. */
  private static final int WRONG_LAST_SEQUENCE = 10071;

  /** Each lost race widens the random pause before the next attempt by this much. */
  private static final long BACKOFF_STEP_NANOS = 200_000;

  /** The widest pause: a presence change should take milliseconds, not seconds. */
  private static final long MAX_BACKOFF_NANOS = 10_000_000;

  private final Connection connection;
  private final boolean ownsConnection;
  private final KeyValue kv;
  private final int maxAttempts;

  private NatsPresenceRegistry(
      Connection connection, boolean ownsConnection, String bucket, int maxAttempts) {
    this.connection = connection;
    this.ownsConnection = ownsConnection;
    this.maxAttempts = maxAttempts;
    try {
      KeyValueManagement kvm = connection.keyValueManagement();
      if (!kvm.getBucketNames().contains(bucket)) {
        try {
          kvm.create(
              KeyValueConfiguration.builder()
                  .name(bucket)
                  .storageType(StorageType.File)
                  .maxHistoryPerKey(1)
                  .build());
        } catch (JetStreamApiException e) {
          // Another node created it meanwhile; opening it below checks it is there.
        }
      }
      this.kv = connection.keyValue(bucket);
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException(
          "cannot open the NATS key-value bucket '" + bucket + "' (is JetStream on?): " + e, e);
    }
  }

  /** A registry on its own connection (closed with it), creating the bucket when missing. */
  public static NatsPresenceRegistry connect(NatsConfig config) {
    return new NatsPresenceRegistry(
        NatsBus.open(config, config.connectionName() + "-presence"),
        true,
        config.presenceBucket(),
        config.presenceMaxAttempts());
  }

  /** Deletes the bucket with every key in it (for tests and teardown). */
  public void deleteBucket() {
    try {
      connection.keyValueManagement().delete(kv.getBucketName());
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot delete bucket " + kv.getBucketName() + ": " + e, e);
    }
  }

  @Override
  public Transition add(String app, String user, String node) {
    return change(app, user, node, true);
  }

  @Override
  public Transition remove(String app, String user, String node) {
    return change(app, user, node, false);
  }

  @Override
  public boolean online(String app, String user) {
    try {
      KeyValueEntry e = kv.get(Subjects.presenceKey(app, user));
      return e != null && !nodes(e).isEmpty();
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot read presence of " + user + ": " + e, e);
    }
  }

  private Transition change(String app, String user, String node, boolean adding) {
    String key = Subjects.presenceKey(app, user);
    for (int attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        KeyValueEntry entry = kv.get(key);
        TreeSet<String> nodes = entry == null ? new TreeSet<>() : nodes(entry);
        boolean wasOnline = !nodes.isEmpty();
        if (adding ? !nodes.add(node) : !nodes.remove(node)) {
          return Transition.NONE;
        }
        byte[] value = value(nodes);
        long revision =
            entry == null ? kv.create(key, value) : kv.update(key, value, entry.getRevision());
        boolean online = !nodes.isEmpty();
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

  /** Node ids as tokens, one line each: a node id may contain anything. */
  private static byte[] value(TreeSet<String> nodes) {
    return String.join("\n", nodes.stream().map(Subjects::token).toList())
        .getBytes(StandardCharsets.UTF_8);
  }

  private static TreeSet<String> nodes(KeyValueEntry entry) {
    byte[] v = entry.getValue();
    if (v == null || v.length == 0) {
      return new TreeSet<>();
    }
    List<String> lines = Arrays.asList(new String(v, StandardCharsets.UTF_8).split("\n"));
    TreeSet<String> nodes = new TreeSet<>();
    lines.forEach(t -> nodes.add(Subjects.untoken(t)));
    return nodes;
  }

  @Override
  public void close() {
    if (ownsConnection) {
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
