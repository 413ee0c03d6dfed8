package dev.warbler.bench;

import dev.warbler.bench.LoadClient.Conn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** Opens many authenticated connections, at most a window at once, optionally at a fixed rate. */
final class Connector {
  private Connector() {}

  /** Connections in user order ({@code null} where connecting failed) and the failure count. */
  record Opened(List<Conn> conns, long failures, double seconds) {
    List<Conn> live() {
      return conns.stream().filter(c -> c != null).toList();
    }
  }

  static Opened open(LoadClient client, List<Admin.UserToken> users, double perSecond) {
    return open(i -> client, users, perSecond);
  }

  /** As above, user {@code i} on the node of {@code clients.forUser(i)}. */
  static Opened open(ClientsByNode clients, List<Admin.UserToken> users, double perSecond) {
    return open(clients::forUser, users, perSecond);
  }

  private static Opened open(
      java.util.function.IntFunction<LoadClient> clientOf,
      List<Admin.UserToken> users,
      double perSecond) {
    Semaphore window = new Semaphore(256);
    AtomicLong failures = new AtomicLong();
    List<CompletableFuture<Conn>> all = new ArrayList<>(users.size());
    long start = System.nanoTime();
    OpenSchedule schedule = perSecond > 0 ? new OpenSchedule(start, perSecond) : null;
    for (int i = 0; i < users.size(); i++) {
      if (schedule != null) {
        long wait = schedule.intendedNanos(i) - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      window.acquireUninterruptibly();
      Admin.UserToken u = users.get(i);
      CompletableFuture<Conn> f =
          clientOf
              .apply(i)
              .connect(u.user(), u.token())
              .orTimeout(30, TimeUnit.SECONDS)
              .whenComplete((c, e) -> window.release());
      all.add(f);
    }
    List<Conn> conns = new ArrayList<>(users.size());
    for (CompletableFuture<Conn> f : all) {
      try {
        conns.add(f.join());
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        conns.add(null);
      }
    }
    return new Opened(conns, failures.get(), (System.nanoTime() - start) / 1e9);
  }
}
