package dev.warbler.bench;

import dev.warbler.bench.LoadClient.Conn;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One user receives M messages while offline (sent over the load client by a second user, up to a
 * window unacked), then connects and catches up: sync from cursor 0, then pull every changed
 * conversation to its end. Lost and duplicates compare the pulled seqs with the acked ones.
 */
final class SyncLoad {
  private static final int WINDOW = 500;
  private static final int PULL_LIMIT = 500;

  private SyncLoad() {}

  static Result run(Target target, Admin admin, int backlog, int payload) throws Exception {
    List<Admin.UserToken> users = admin.users(target.app(), BenchCommand.runPrefix("s"), 2);
    Admin.UserToken receiver = users.get(0);
    Admin.UserToken sender = users.get(1);
    Tally tally = new Tally();
    String text = "x".repeat(Math.max(1, payload));
    try (LoadClient client = new LoadClient(target.ws(), 1)) {
      Conn out = client.connect(sender.user(), sender.token()).get(30, TimeUnit.SECONDS);
      Semaphore window = new Semaphore(WINDOW);
      out.onFrame(f -> {
        if (f.hasSendAck()) {
          tally.acked(receiver.user(), f.getSendAck().getConversation(), f.getSendAck().getSeq());
          window.release();
        } else if (f.hasError()) {
          window.release();
        }
      });
      long fillStart = System.nanoTime();
      for (int i = 0; i < backlog; i++) {
        window.acquire();
        tally.recordSent();
        out.send(
            ClientFrame.newBuilder()
                .setId("s" + i)
                .setSend(
                    Send.newBuilder()
                        .setClientMsgId("s" + i)
                        .setUser(receiver.user())
                        .setType(MessageType.TEXT)
                        .setText(text))
                .build());
      }
      if (!window.tryAcquire(WINDOW, 60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("backlog not acked within 60 s");
      }
      double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
      out.close();

      Map<String, CompletableFuture<ServerFrame>> waiting = new ConcurrentHashMap<>();
      long start = System.nanoTime();
      Conn in = client.connect(receiver.user(), receiver.token()).get(30, TimeUnit.SECONDS);
      in.onFrame(f -> {
        CompletableFuture<ServerFrame> w = waiting.remove(f.getId());
        if (w != null) {
          w.complete(f);
        }
      });
      long pulls = 0;
      long cursor = 0;
      boolean more = true;
      int n = 0;
      while (more) {
        long at = cursor;
        SyncResult sync =
            request(in, waiting, "y" + n++, b -> b.setSync(Sync.newBuilder().setCursor(at)))
                .getSyncResult();
        for (ConversationState c : sync.getConversationsList()) {
          long after = 0;
          boolean pageMore = true;
          while (pageMore && after < c.getLastSeq()) {
            long from = after;
            MessagePage page =
                request(
                        in,
                        waiting,
                        "p" + n++,
                        b ->
                            b.setPull(
                                Pull.newBuilder()
                                    .setConversation(c.getConversation())
                                    .setAfterSeq(from)
                                    .setLimit(PULL_LIMIT)))
                    .getMessages();
            pulls++;
            for (Message m : page.getMessagesList()) {
              if (!m.getFrom().equals(receiver.user())) {
                tally.delivered(receiver.user(), m.getConversation(), m.getSeq());
              }
              after = Math.max(after, m.getSeq());
            }
            pageMore = page.getMore() && !page.getMessagesList().isEmpty();
          }
        }
        cursor = sync.getCursor();
        more = sync.getMore();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      in.close();
      Histogram none = new Histogram(3);
      none.recordValue((long) (seconds * 1e6));
      return new Result("sync")
          .put("backlog", backlog)
          .put("sent", tally.sent())
          .put("acked", tally.acked())
          .put("delivered", tally.delivered())
          .put("lost", tally.lost())
          .put("duplicates", tally.duplicates())
          .put("catch_up_ms", Result.round(seconds * 1000))
          .put("throughput_per_s", Result.round(tally.delivered() / seconds))
          .put("pulls", pulls)
          .latency(none)
          .put("fill_rate_per_s", Result.round(backlog / fillSeconds))
          .put("payload", payload)
          .put("server_cpus", target.serverCpus());
    }
  }

  private static ServerFrame request(
      Conn conn,
      Map<String, CompletableFuture<ServerFrame>> waiting,
      String id,
      java.util.function.Consumer<ClientFrame.Builder> body)
      throws Exception {
    CompletableFuture<ServerFrame> answer = new CompletableFuture<>();
    waiting.put(id, answer);
    ClientFrame.Builder b = ClientFrame.newBuilder().setId(id);
    body.accept(b);
    conn.send(b.build());
    ServerFrame f = answer.get(30, TimeUnit.SECONDS);
    if (f.hasError()) {
      throw new IllegalStateException("request " + id + " failed: " + f.getError());
    }
    return f;
  }
}
