package dev.warbler.bench;

import dev.warbler.bench.LoadClient.Conn;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The direct scenario's load: clients in pairs, each sending durable 1:1 messages to its partner;
 * together they send at a constant total rate (open model). Latency runs from a message's intended
 * send time to its receipt by the partner. Warm-up messages are sent the same way but not counted.
 */
final class DirectLoad {
  private DirectLoad() {}

  /** What to run. */
  /** What to run; a {@code warmupRate} of 0 (or less) means {@code rate}. */
  record Options(
      int clients, double rate, double durationS, double warmupS, int payload, double warmupRate) {
    Options {
      if (clients < 2 || clients % 2 != 0) {
        throw new IllegalArgumentException("--clients must be even and at least 2: " + clients);
      }
      warmupRate = warmupRate > 0 ? warmupRate : rate;
    }

    Options(int clients, double rate, double durationS, double warmupS, int payload) {
      this(clients, rate, durationS, warmupS, payload, 0);
    }

    OpenSchedule schedule(long start) {
      return new OpenSchedule(start, warmupRate, warmupS, rate);
    }
  }

  private record Pending(long intendedNanos, boolean measured) {}

  static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

  static Result run(String scenario, Target target, List<Admin.UserToken> users, Options o) {
    try (ClientsByNode client = ClientsByNode.pairs(target, 2)) {
      Connector.Opened opened = Connector.open(client, users, 0);
      if (opened.failures() > 0) {
        throw new IllegalStateException(opened.failures() + " clients could not connect");
      }
      List<Conn> conns = opened.conns();
      Tally tally = new Tally();
      Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
      Map<String, Pending> pending = new ConcurrentHashMap<>();
      LongAdder errors = new LongAdder();
      AtomicLong lastDelivery = new AtomicLong();
      for (int i = 0; i < conns.size(); i++) {
        Conn self = conns.get(i);
        String partner = conns.get(i ^ 1).user;
        self.onFrame(
            f -> onFrame(f, self.user, partner, pending, tally, latency, errors, lastDelivery));
      }
      String filler = "x".repeat(Math.max(1, o.payload()));
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      OpenSchedule schedule = o.schedule(start);
      long total = schedule.totalSends(o.durationS());
      long measureFrom = schedule.intendedNanos(schedule.warmupSends());
      CpuMeter.Reading cpuFrom = CpuMeter.UNAVAILABLE;
      String run = Long.toString(start & 0xffffff, 36);
      for (long i = 0; i < total; i++) {
        long intended = schedule.intendedNanos(i);
        long wait = intended - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        if (i == schedule.warmupSends()) {
          cpuFrom = CpuMeter.read();
        }
        int from = (int) (i % conns.size());
        Conn sender = conns.get(from);
        String id = run + "-" + i;
        boolean measured = i >= schedule.warmupSends();
        pending.put(id, new Pending(intended, measured));
        if (measured) {
          tally.recordSent();
        }
        sender.send(
            ClientFrame.newBuilder()
                .setId(id)
                .setSend(
                    Send.newBuilder()
                        .setClientMsgId(id)
                        .setUser(conns.get(from ^ 1).user)
                        .setType(MessageType.TEXT)
                        .setText(filler))
                .build());
      }
      long end = System.nanoTime();
      long graceEnd = end + GRACE_NANOS;
      while (System.nanoTime() < graceEnd
          && (tally.acked() < tally.sent() - errors.sum() || tally.lost() > 0)) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      CpuMeter.Reading cpuTo = CpuMeter.read();
      conns.forEach(Conn::close);
      // Deliveries that trail the schedule (a saturated server) stretch the measured window.
      double seconds = Math.max(o.durationS(), (lastDelivery.get() - measureFrom) / 1e9);
      Result r =
          new Result(scenario)
              .delivery(tally, seconds, latency)
              .put("unacked", tally.sent() - tally.acked())
              .put("errors", errors.sum())
              .put("rate", o.rate())
              .put("clients", o.clients())
              .put("payload", o.payload())
              .put("duration_s", o.durationS())
              .put("window_s", Result.round(seconds))
              .put("warmup_s", o.warmupS())
              .put("warmup_rate", o.warmupRate())
              .put("send_lag_ms", Result.round((end - schedule.intendedNanos(total - 1)) / 1e6))
              .put("server_cpus", target.serverCpus())
              .put("nodes", target.nodes().size());
      CpuMeter.report(r, cpuFrom, cpuTo, tally.delivered());
      return r;
    }
  }

  private static void onFrame(
      ServerFrame f,
      String self,
      String partner,
      Map<String, Pending> pending,
      Tally tally,
      Histogram latency,
      LongAdder errors,
      AtomicLong lastDelivery) {
    switch (f.getBodyCase()) {
      case SEND_ACK -> {
        SendAck ack = f.getSendAck();
        Pending p = pending.get(ack.getClientMsgId());
        if (p != null && p.measured()) {
          tally.acked(partner, ack.getConversation(), ack.getSeq());
        }
      }
      case MESSAGE -> {
        Message m = f.getMessage();
        if (m.getFrom().equals(self)) {
          return;
        }
        Pending p = pending.get(m.getClientMsgId());
        if (p != null && p.measured() && tally.delivered(self, m.getConversation(), m.getSeq())) {
          long now = System.nanoTime();
          latency.recordValue(Math.max(0, (now - p.intendedNanos()) / 1000));
          lastDelivery.accumulateAndGet(now, Math::max);
        }
      }
      case ERROR -> {
        Pending p = pending.get(f.getId());
        if (p != null && p.measured()) {
          errors.increment();
        }
      }
      default -> {}
    }
  }
}
