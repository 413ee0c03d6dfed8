package dev.warbler.bench;

import dev.warbler.bench.LoadClient.Conn;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.Sync;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Reconnect storm: N clients are connected, the server restarts (same data, same ports), a backlog
 * of B messages is sent to each client while it is away, then all N reconnect at once (no jitter:
 * the adversarial case) or spread by the SDK's full-jitter backoff ({@code jitterMs}),
 * authenticate, sync from cursor 0 and pull every conversation to its end. Failed connects are
 * retried with the SDK's backoff and counted. Lost compares each client's pulled seqs with the seqs
 * acked to the senders. The figure: time from the storm's start until every client has synced.
 */
final class StormLoad {
  private static final int PULL_LIMIT = 500;
  private static final int SEND_WINDOW = 500;
  private static final int MAX_ATTEMPTS = 10;
  private static final long BACKOFF_INITIAL_MS = 250;
  private static final long BACKOFF_MAX_MS = 30_000;

  /** Loopback source addresses are changed every this many clients (per-address limits). */
  private static final int PER_SOURCE = 500;

  private StormLoad() {}

  /** What the run restarts: stops the server and starts it again on the same ports and data. */
  interface Restarter {
    void restart() throws Exception;
  }

  record Options(int clients, int backlog, double jitterMs, int senders, double timeoutS) {}

  static Result run(Target target, Admin admin, Options o, Restarter restarter) throws Exception {
    String prefix = BenchCommand.runPrefix("st");
    List<Admin.UserToken> users = admin.users(target.app(), prefix, o.clients());
    List<Admin.UserToken> senders =
        admin.users(target.app(), prefix + "s", Math.max(1, Math.min(o.senders(), o.clients())));
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (LoadClient client = new LoadClient(target.ws(), 2, PER_SOURCE)) {
      Connector.Opened before = Connector.open(client, users, 0);

      long restartStart = System.nanoTime();
      restarter.restart();
      double restartS = (System.nanoTime() - restartStart) / 1e9;
      before.live().forEach(Conn::close);

      // The backlog, sent while the clients are away; every acked seq must be pulled later.
      Map<String, Set<Long>> expected = new ConcurrentHashMap<>();
      LongAdder sendErrors = new LongAdder();
      long backlogStart = System.nanoTime();
      sendBacklog(client, users, senders, o.backlog(), expected, sendErrors);
      double backlogS = (System.nanoTime() - backlogStart) / 1e9;

      LongAdder retries = new LongAdder();
      LongAdder errors = new LongAdder();
      LongAdder received = new LongAdder();
      LongAdder lost = new LongAdder();
      Histogram syncedMicros = new Histogram(3);
      List<CompletableFuture<Void>> all = new ArrayList<>(users.size());
      List<Conn> synced = java.util.Collections.synchronizedList(new ArrayList<>());
      long stormStart = System.nanoTime();
      for (Admin.UserToken u : users) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        all.add(done);
        long delay =
            o.jitterMs() > 0 ? (long) (ThreadLocalRandom.current().nextDouble() * o.jitterMs()) : 0;
        Runnable attempt =
            new Runnable() {
              final AtomicInteger attempts = new AtomicInteger();

              @Override
              public void run() {
                int n = attempts.incrementAndGet();
                client
                    .connect(u.user(), u.token())
                    .thenCompose(c -> {
                      synced.add(c);
                      return catchUp(c);
                    })
                    .orTimeout((long) o.timeoutS(), TimeUnit.SECONDS)
                    .whenComplete((seqs, e) -> {
                      if (e == null) {
                        Set<Long> want = expected.getOrDefault(u.user(), Set.of());
                        long missing = want.stream().filter(s -> !seqs.contains(s)).count();
                        lost.add(missing);
                        received.add(want.size() - missing);
                        synchronized (syncedMicros) {
                          syncedMicros.recordValue((System.nanoTime() - stormStart) / 1_000);
                        }
                        done.complete(null);
                      } else if (n < MAX_ATTEMPTS) {
                        retries.increment();
                        long cap = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS << Math.min(n, 20));
                        timer.schedule(
                            this,
                            ThreadLocalRandom.current().nextLong(cap + 1),
                            TimeUnit.MILLISECONDS);
                      } else {
                        errors.increment();
                        done.complete(null);
                      }
                    });
              }
            };
        if (delay == 0) {
          attempt.run();
        } else {
          timer.schedule(attempt, delay, TimeUnit.MILLISECONDS);
        }
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
          .get((long) o.timeoutS() * 3, TimeUnit.SECONDS);
      double stormS = (System.nanoTime() - stormStart) / 1e9;
      synced.forEach(Conn::close); // held open until every client synced: the storm's full load
      long expectedTotal = expected.values().stream().mapToLong(Set::size).sum();
      return new Result("storm")
          .put("clients", o.clients())
          .put("connected_before", before.live().size())
          .put("backlog_per_client", o.backlog())
          .put("jitter_ms", o.jitterMs())
          .put("server_restart_s", Result.round(restartS))
          .put("backlog_send_s", Result.round(backlogS))
          .put("backlog_acked", expectedTotal)
          .put("send_errors", sendErrors.sum())
          .put("all_synced_s", Result.round(stormS))
          .put("synced_p50_ms", Result.round(syncedMicros.getValueAtPercentile(50) / 1000.0))
          .put("synced_p99_ms", Result.round(syncedMicros.getValueAtPercentile(99) / 1000.0))
          .put("synced", syncedMicros.getTotalCount())
          .put("connect_retries", retries.sum())
          .put("errors", errors.sum())
          .put("received", received.sum())
          .put("lost", lost.sum())
          .put("server_cpus", target.serverCpus());
    } finally {
      timer.shutdownNow();
    }
  }

  /**
   * Sender {@code i % senders} sends {@code backlog} messages to user {@code i}, each sender at
   * most {@link #SEND_WINDOW} unacked; acked seqs go to {@code expected} by receiver.
   */
  private static void sendBacklog(
      LoadClient client,
      List<Admin.UserToken> users,
      List<Admin.UserToken> senders,
      int backlog,
      Map<String, Set<Long>> expected,
      LongAdder errors)
      throws Exception {
    if (backlog <= 0) {
      return;
    }
    List<CompletableFuture<Void>> done = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < senders.size(); s++) {
      Admin.UserToken sender = senders.get(s);
      Conn out = client.connect(sender.user(), sender.token()).get(30, TimeUnit.SECONDS);
      Semaphore window = new Semaphore(SEND_WINDOW);
      Map<String, String> receiverOf = new ConcurrentHashMap<>();
      out.onFrame(f -> {
        String to = receiverOf.remove(f.getId());
        if (to == null) {
          return;
        }
        if (f.hasSendAck()) {
          expected
              .computeIfAbsent(to, k -> ConcurrentHashMap.newKeySet())
              .add(f.getSendAck().getSeq());
        } else {
          errors.increment();
        }
        window.release();
      });
      int first = s;
      CompletableFuture<Void> finished = new CompletableFuture<>();
      done.add(finished);
      threads.add(
          Thread.ofVirtual()
              .start(() -> {
                try {
                  int n = 0;
                  for (int i = first; i < users.size(); i += senders.size()) {
                    String to = users.get(i).user();
                    for (int m = 0; m < backlog; m++) {
                      window.acquire();
                      String id = "b" + n++;
                      receiverOf.put(id, to);
                      out.send(
                          ClientFrame.newBuilder()
                              .setId(id)
                              .setSend(
                                  Send.newBuilder()
                                      .setUser(to)
                                      .setClientMsgId(id)
                                      .setType(MessageType.TEXT)
                                      .setText("while you were away " + m))
                              .build());
                    }
                  }
                  if (!window.tryAcquire(SEND_WINDOW, 60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("backlog not acked within 60 s");
                  }
                  finished.complete(null);
                } catch (Exception e) {
                  finished.completeExceptionally(e);
                } finally {
                  out.close();
                }
              }));
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
  }

  /** After auth: sync from 0, pull every conversation to its end; completes with the seqs seen. */
  private static CompletableFuture<Set<Long>> catchUp(Conn conn) {
    CompletableFuture<Set<Long>> result = new CompletableFuture<>();
    Set<Long> seqs = ConcurrentHashMap.newKeySet();
    AtomicInteger open = new AtomicInteger(1); // the sync itself
    AtomicInteger ids = new AtomicInteger();
    Map<String, String> pulling = new ConcurrentHashMap<>();
    conn.onFrame(f -> {
      try {
        if (f.hasError()) {
          result.completeExceptionally(new IllegalStateException("error: " + f.getError()));
          conn.close();
        } else if (f.hasSyncResult()) {
          for (ConversationState c : f.getSyncResult().getConversationsList()) {
            if (c.getLastSeq() > 0) {
              open.incrementAndGet();
              pull(conn, pulling, ids, c.getConversation(), 0);
            }
          }
          finishOne(open, result, seqs, conn);
        } else if (f.hasMessages()) {
          String conversation = pulling.remove(f.getId());
          if (conversation == null) {
            return;
          }
          MessagePage page = f.getMessages();
          long last = 0;
          for (Message m : page.getMessagesList()) {
            seqs.add(m.getSeq());
            last = Math.max(last, m.getSeq());
          }
          if (page.getMore() && !page.getMessagesList().isEmpty()) {
            pull(conn, pulling, ids, conversation, last);
          } else {
            finishOne(open, result, seqs, conn);
          }
        }
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    conn.send(ClientFrame.newBuilder().setId("sync").setSync(Sync.newBuilder()).build());
    return result;
  }

  private static void finishOne(
      AtomicInteger open, CompletableFuture<Set<Long>> result, Set<Long> seqs, Conn conn) {
    if (open.decrementAndGet() == 0) {
      result.complete(seqs);
    }
  }

  private static void pull(
      Conn conn, Map<String, String> pulling, AtomicInteger ids, String conversation, long after) {
    String id = "p" + ids.incrementAndGet();
    pulling.put(id, conversation);
    conn.send(
        ClientFrame.newBuilder()
            .setId(id)
            .setPull(
                Pull.newBuilder()
                    .setConversation(conversation)
                    .setAfterSeq(after)
                    .setLimit(PULL_LIMIT))
            .build());
  }
}
