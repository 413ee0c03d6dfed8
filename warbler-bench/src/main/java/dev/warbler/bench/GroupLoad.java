package dev.warbler.bench;

import dev.warbler.bench.LoadClient.Conn;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Group fan-out: G groups of M online members; the first K members of each group send at a constant
 * total rate (open model, spread over all senders). Every acked message is expected at the M - 1
 * other members: {@code lost} counts the (message, member) deliveries missing 5 s after the run,
 * {@code duplicates} the repeated ones; latency runs from the intended send time to each member's
 * receipt.
 */
final class GroupLoad {
  private GroupLoad() {}

  record Options(
      int groups,
      int members,
      int senders,
      double rate,
      double durationS,
      double warmupS,
      int payload,
      double warmupRate) {
    Options {
      if (members < 2 || senders < 1 || senders > members || groups < 1) {
        throw new IllegalArgumentException(
            "need groups >= 1, members >= 2, 1 <= senders <= members");
      }
      warmupRate = warmupRate > 0 ? warmupRate : rate;
    }

    Options(
        int groups,
        int members,
        int senders,
        double rate,
        double durationS,
        double warmupS,
        int payload) {
      this(groups, members, senders, rate, durationS, warmupS, payload, 0);
    }
  }

  private record Pending(long intendedNanos, boolean measured) {}

  private record Acked(int group, int sender, long seq) {}

  /** What one member received, per seq; touched only by its connection's event loop. */
  private static final class Inbox {
    final BitSet seqs = new BitSet();
  }

  static Result run(Target target, Admin admin, Options o) {
    String prefix = BenchCommand.runPrefix("g");
    List<Admin.UserToken> users = admin.users(target.app(), prefix, o.groups() * o.members());
    List<String> groupIds = new ArrayList<>();
    for (int g = 0; g < o.groups(); g++) {
      List<String> members = new ArrayList<>();
      for (int m = 0; m < o.members(); m++) {
        members.add(users.get(g * o.members() + m).user());
      }
      String id = prefix + "-grp" + g;
      admin.createGroup(target.app(), id, members);
      groupIds.add(id);
    }
    try (ClientsByNode client = ClientsByNode.roundRobin(target, 2)) {
      Connector.Opened opened = Connector.open(client, users, 0);
      if (opened.failures() > 0) {
        throw new IllegalStateException(opened.failures() + " members could not connect");
      }
      List<Conn> conns = opened.conns();
      Map<String, Pending> pending = new ConcurrentHashMap<>();
      Queue<Acked> acked = new ConcurrentLinkedQueue<>();
      Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
      LongAdder delivered = new LongAdder();
      LongAdder duplicates = new LongAdder();
      LongAdder errors = new LongAdder();
      AtomicLong lastDelivery = new AtomicLong();
      List<Inbox> inboxes = new ArrayList<>();
      for (int i = 0; i < conns.size(); i++) {
        Conn self = conns.get(i);
        Inbox inbox = new Inbox();
        inboxes.add(inbox);
        int group = i / o.members();
        int member = i % o.members();
        self.onFrame(f -> {
          switch (f.getBodyCase()) {
            case SEND_ACK -> {
              SendAck a = f.getSendAck();
              Pending p = pending.get(a.getClientMsgId());
              if (p != null && p.measured()) {
                acked.add(new Acked(group, member, a.getSeq()));
              }
            }
            case MESSAGE -> {
              Message m = f.getMessage();
              Pending p = pending.get(m.getClientMsgId());
              if (m.getFrom().equals(self.user) || p == null || !p.measured()) {
                return;
              }
              synchronized (inbox) {
                if (inbox.seqs.get((int) m.getSeq())) {
                  duplicates.increment();
                  return;
                }
                inbox.seqs.set((int) m.getSeq());
              }
              long now = System.nanoTime();
              delivered.increment();
              latency.recordValue(Math.max(0, (now - p.intendedNanos()) / 1000));
              lastDelivery.accumulateAndGet(now, Math::max);
            }
            case ERROR -> {
              Pending p = pending.get(f.getId());
              if (p != null && p.measured()) {
                errors.increment();
              }
            }
            default -> {}
          }
        });
      }
      String filler = "x".repeat(Math.max(1, o.payload()));
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      OpenSchedule schedule = new OpenSchedule(start, o.warmupRate(), o.warmupS(), o.rate());
      long total = schedule.totalSends(o.durationS());
      long measureFrom = schedule.intendedNanos(schedule.warmupSends());
      CpuMeter.Reading cpuFrom = CpuMeter.UNAVAILABLE;
      int slots = o.groups() * o.senders();
      long sent = 0;
      for (long i = 0; i < total; i++) {
        long intended = schedule.intendedNanos(i);
        long wait = intended - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        if (i == schedule.warmupSends()) {
          cpuFrom = CpuMeter.read();
        }
        int slot = (int) (i % slots);
        int group = slot % o.groups();
        int member = slot / o.groups();
        Conn sender = conns.get(group * o.members() + member);
        String id = "g" + i;
        boolean measured = i >= schedule.warmupSends();
        pending.put(id, new Pending(intended, measured));
        if (measured) {
          sent++;
        }
        sender.send(
            ClientFrame.newBuilder()
                .setId(id)
                .setSend(
                    Send.newBuilder()
                        .setClientMsgId(id)
                        .setGroup(groupIds.get(group))
                        .setType(MessageType.TEXT)
                        .setText(filler))
                .build());
      }
      long graceEnd = System.nanoTime() + DirectLoad.GRACE_NANOS;
      while (System.nanoTime() < graceEnd
          && (acked.size() < sent - errors.sum()
              || delivered.sum() < (long) acked.size() * (o.members() - 1))) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      CpuMeter.Reading cpuTo = CpuMeter.read();
      long expected = 0;
      long lost = 0;
      for (Acked a : acked) {
        for (int m = 0; m < o.members(); m++) {
          if (m == a.sender()) {
            continue;
          }
          expected++;
          Inbox inbox = inboxes.get(a.group() * o.members() + m);
          synchronized (inbox) {
            if (!inbox.seqs.get((int) a.seq())) {
              lost++;
            }
          }
        }
      }
      conns.forEach(Conn::close);
      double seconds = Math.max(o.durationS(), (lastDelivery.get() - measureFrom) / 1e9);
      Result r =
          new Result("group")
              .put("sent", sent)
              .put("acked", acked.size())
              .put("expected_deliveries", expected)
              .put("delivered", delivered.sum())
              .put("lost", lost)
              .put("duplicates", duplicates.sum())
              .put("throughput_per_s", Result.round(delivered.sum() / seconds))
              .put("messages_per_s", Result.round(acked.size() / seconds))
              .latency(latency)
              .put("errors", errors.sum())
              .put("groups", o.groups())
              .put("members", o.members())
              .put("senders", o.senders())
              .put("rate", o.rate())
              .put("payload", o.payload())
              .put("duration_s", o.durationS())
              .put("window_s", Result.round(seconds))
              .put("server_cpus", target.serverCpus())
              .put("nodes", target.nodes().size())
              .put("warmup_rate", o.warmupRate());
      CpuMeter.report(r, cpuFrom, cpuTo, delivered.sum());
      return r;
    }
  }
}
