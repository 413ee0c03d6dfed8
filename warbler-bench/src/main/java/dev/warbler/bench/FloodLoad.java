package dev.warbler.bench;

import dev.warbler.bench.LoadClient.Conn;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The flood scenario: the direct load of normal pairs (each user well under its rate limit) is run
 * twice on fresh users, once quiet and once while one more user floods the server with sends at
 * {@code factor} times its per-user rate limit on its own connection. It reports the normal users'
 * p99 both times and their ratio, the normal users' lost messages, and what became of the flood:
 * offered (due by the schedule), written (the socket took it), backpressured (the socket's buffer
 * was full because the server stopped reading), acked, refused with RATE_LIMITED, unanswered
 * (dropped by the server while it had paused reading, or still in the socket buffers at the end).
 * An unmeasured direct run warms the server up first.
 */
final class FloodLoad {
  private FloodLoad() {}

  /** What to run. */
  record Options(
      int clients,
      double rate,
      double durationS,
      double warmupS,
      int payload,
      long userRate,
      int factor,
      int rounds) {
    Options {
      if (userRate <= 0) {
        throw new IllegalArgumentException("--user-rate must be positive: " + userRate);
      }
      if (rate / clients >= userRate) {
        throw new IllegalArgumentException(
            "normal users would hit their own limit: --rate / --clients = "
                + rate / clients
                + " >= --user-rate "
                + userRate);
      }
      if (factor < 1 || rounds < 1) {
        throw new IllegalArgumentException("--factor and --rounds must be at least 1");
      }
    }
  }

  /** Counts of one flooder's run. */
  static final class Flood {
    final LongAdder offered = new LongAdder();
    final LongAdder written = new LongAdder();
    final LongAdder backpressured = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder otherErrors = new LongAdder();
    final AtomicInteger closedWith = new AtomicInteger();
    volatile long retryAfterMs;
    volatile double seconds;
  }

  static Result run(Target target, Admin admin, Options o) throws Exception {
    DirectLoad.Options direct =
        new DirectLoad.Options(o.clients(), o.rate(), o.durationS(), o.warmupS(), o.payload());
    List<Result> quiet = new ArrayList<>();
    List<Result> flooded = new ArrayList<>();
    List<Flood> floods = new ArrayList<>();
    // A cold server (JIT, store) is slower than a warm one: one unmeasured run first, so that the
    // first quiet run is not compared with a warmer flood run.
    progress(
        "warm-up (not counted)",
        DirectLoad.run(
            "direct",
            target,
            admin.users(target.app(), BenchCommand.runPrefix("w"), o.clients()),
            direct));
    for (int round = 0; round < o.rounds(); round++) {
      quiet.add(
          DirectLoad.run(
              "direct",
              target,
              admin.users(target.app(), BenchCommand.runPrefix("q"), o.clients()),
              direct));
      progress("quiet", quiet.getLast());
      List<Admin.UserToken> normal =
          admin.users(target.app(), BenchCommand.runPrefix("n"), o.clients());
      List<Admin.UserToken> pair = admin.users(target.app(), BenchCommand.runPrefix("x"), 2);
      Flood flood = new Flood();
      try (LoadClient client = new LoadClient(target.ws(), 1)) {
        Conn flooder =
            client.connect(pair.get(0).user(), pair.get(0).token()).get(30, TimeUnit.SECONDS);
        Thread sender =
            Thread.ofPlatform()
                .name("bench-flooder")
                .start(() -> flood(flooder, pair.get(1).user(), o.userRate() * o.factor(), flood));
        try {
          flooded.add(DirectLoad.run("direct", target, normal, direct));
        } finally {
          sender.interrupt();
          sender.join();
        }
        // Answers still on their way (the server answers what it read, in order).
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end
            && flood.acked.sum() + flood.refused.sum() + flood.otherErrors.sum()
                < flood.written.sum()
            && flooder.open()) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        flooder.close();
      }
      floods.add(flood);
      progress("flood", flooded.getLast());
    }
    double quietP99 = median(quiet, "p99_ms");
    double floodP99 = median(flooded, "p99_ms");
    Flood f = floods.getLast();
    Result r =
        new Result("flood")
            .put("quiet_p99_ms", quietP99)
            .put("flood_p99_ms", floodP99)
            .put("p99_ratio", Result.round(quietP99 <= 0 ? 0 : floodP99 / quietP99))
            .put("quiet_p50_ms", median(quiet, "p50_ms"))
            .put("flood_p50_ms", median(flooded, "p50_ms"))
            .put("quiet_throughput_per_s", median(quiet, "throughput_per_s"))
            .put("flood_throughput_per_s", median(flooded, "throughput_per_s"))
            .put("normal_lost", sum(quiet, "lost") + sum(flooded, "lost"))
            .put("normal_duplicates", sum(quiet, "duplicates") + sum(flooded, "duplicates"))
            .put("normal_errors", sum(quiet, "errors") + sum(flooded, "errors"))
            .put("normal_unacked", sum(quiet, "unacked") + sum(flooded, "unacked"))
            .put("flood_rate_per_s", o.userRate() * o.factor())
            .put("flood_seconds", Result.round(f.seconds))
            .put("flood_offered", f.offered.sum())
            .put("flood_written", f.written.sum())
            .put("flood_backpressured", f.backpressured.sum())
            .put("flood_acked", f.acked.sum())
            .put("flood_acked_per_s", Result.round(f.acked.sum() / Math.max(1e-9, f.seconds)))
            .put("flood_refused", f.refused.sum())
            .put("flood_other_errors", f.otherErrors.sum())
            .put(
                "flood_unanswered",
                f.written.sum() - f.acked.sum() - f.refused.sum() - f.otherErrors.sum())
            .put("flood_last_retry_after_ms", f.retryAfterMs)
            .put("flood_closed_with", f.closedWith.get())
            .put("user_rate", o.userRate())
            .put("factor", o.factor())
            .put("rate", o.rate())
            .put("clients", o.clients())
            .put("payload", o.payload())
            .put("duration_s", o.durationS())
            .put("rounds", o.rounds())
            .put("server_cpus", target.serverCpus());
    if (o.rounds() > 1) {
      r.put("quiet_p99_ms_each", quiet.stream().map(x -> x.get("p99_ms")).toList());
      r.put("flood_p99_ms_each", flooded.stream().map(x -> x.get("p99_ms")).toList());
    }
    return r;
  }

  /** Sends to {@code to} at {@code rate} per second until interrupted; skips when not writable. */
  private static void flood(Conn conn, String to, double rate, Flood f) {
    conn.onFrame(frame -> {
      switch (frame.getBodyCase()) {
        case SEND_ACK -> f.acked.increment();
        case ERROR -> {
          if (frame.getError().getCode() == ErrorCode.RATE_LIMITED.code()) {
            f.refused.increment();
            f.retryAfterMs = frame.getError().getRetryAfterMs();
          } else {
            f.otherErrors.increment();
          }
        }
        case CLOSING -> f.closedWith.set(frame.getClosing().getCode());
        default -> {}
      }
    });
    long start = System.nanoTime();
    OpenSchedule schedule = new OpenSchedule(start, rate);
    String run = Long.toString(start & 0xffffff, 36);
    for (long i = 0; !Thread.currentThread().isInterrupted() && conn.open(); i++) {
      long wait = schedule.intendedNanos(i) - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      f.offered.increment();
      if (!conn.writable()) {
        f.backpressured.increment();
        continue;
      }
      String id = run + "-" + i;
      conn.send(
          ClientFrame.newBuilder()
              .setId(id)
              .setSend(
                  Send.newBuilder()
                      .setClientMsgId(id)
                      .setUser(to)
                      .setType(MessageType.TEXT)
                      .setText("flood"))
              .build());
      f.written.increment();
    }
    f.seconds = (System.nanoTime() - start) / 1e9;
  }

  private static double median(List<Result> results, String field) {
    double[] v =
        results.stream().mapToDouble(r -> ((Number) r.get(field)).doubleValue()).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static long sum(List<Result> results, String field) {
    return results.stream().mapToLong(r -> ((Number) r.get(field)).longValue()).sum();
  }

  private static void progress(String phase, Result r) {
    System.err.printf(
        "bench flood: %s delivered/s=%s p50_ms=%s p99_ms=%s lost=%s errors=%s%n",
        phase,
        r.get("throughput_per_s"),
        r.get("p50_ms"),
        r.get("p99_ms"),
        r.get("lost"),
        r.get("errors"));
  }
}
