package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.SendRequest;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.testkit.RawClient;
import dev.warbler.testkit.RawSocket;
import io.micrometer.core.instrument.DistributionSummary;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class GatewaySlowConsumerTest {
  /** Upper bound on what the test pushes: far more than socket buffers on loopback hold. */
  private static final int MAX_MESSAGES = 20_000;

  @Test
  void aClientThatStopsReadingIsClosedWith4000AndCanResyncEverything() {
    try (TestGateway server =
        new TestGateway(GatewayConfig.defaults().withMaxOutboundBytes(4 * 1024))) {
      String alice = server.newUser();
      String bob = server.newUser();
      RawClient slow = server.login(alice, Encoding.PROTO);
      slow.pauseReading();
      // Small messages sent one at a time: the server's queue passes the 4 KiB bound mostly
      // because the paused client leaves the socket buffers full.
      String text = "x".repeat(1_000);

      int sent = 0;
      while (server.counter("warbler.gateway.slow.consumers") == 0 && sent < MAX_MESSAGES) {
        sent++;
        server
            .messenger
            .send(
                "acme",
                bob,
                new SendRequest(
                    new SendRequest.Target.ToUser(alice), "m" + sent, MessageType.TEXT, text, ""))
            .join();
      }
      assertThat(server.counter("warbler.gateway.slow.consumers")).isEqualTo(1);

      slow.resumeReading();
      assertThat(slow.awaitClose(WAIT)).isEqualTo(4000);
      List<Long> seqs = new ArrayList<>();
      List<ServerFrame> closings = new ArrayList<>();
      for (ServerFrame f : slow.drain()) {
        if (f.hasClosing()) {
          closings.add(f);
        } else {
          assertThat(closings).as("nothing follows closing").isEmpty();
          seqs.add(f.getMessage().getSeq());
        }
      }
      assertThat(closings).allSatisfy(c -> assertThat(c.getClosing().getCode()).isEqualTo(4000));
      assertThat(seqs).isNotEmpty().hasSizeLessThan(sent);
      for (int i = 0; i < seqs.size(); i++) {
        assertThat(seqs.get(i)).as("pushes arrive in seq order without gaps").isEqualTo(i + 1L);
      }

      RawClient again = server.login(alice);
      SyncResult sync =
          again
              .request(ClientFrame.newBuilder().setId("y").setSync(Sync.newBuilder()).build())
              .getSyncResult();
      assertThat(sync.getConversations(0).getLastSeq()).isEqualTo(sent);
    }
  }

  /** A raw client that upgrades, authenticates as {@code user} and then never reads again. */
  private static RawSocket stalled(TestGateway server, String user, int n) {
    try {
      RawSocket s =
          RawSocket.connect(
              InetAddress.getByName("127.0.0." + (2 + n % 10)), "127.0.0.1", server.port, 4096);
      s.upgrade("127.0.0.1", "/ws", Encoding.PROTO);
      s.write(RawSocket.frame(Encoding.PROTO, TestGateway.auth("a", server.token(user))));
      return s;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static DistributionSummary queuedAtClose(TestGateway server) {
    return server.meters.find("warbler.gateway.slow.consumer.queued").summary();
  }

  private static CompletableFuture<AppendResult> send(
      TestGateway server, String from, String to, String id, String text) {
    return server.messenger.send(
        "acme",
        from,
        new SendRequest(new SendRequest.Target.ToUser(to), id, MessageType.TEXT, text, ""));
  }

  @Test
  void theQueueOfAClientThatStopsReadingNeverGrowsPastItsBound() {
    int bound = 64 * 1024;
    try (TestGateway server =
            new TestGateway(GatewayConfig.defaults().withMaxOutboundBytes(bound));
        RawSocket slow = stalled(server, server.newUser(), 0)) {
      String alice = "u1";
      String bob = server.newUser();
      Awaitility.await().atMost(WAIT).until(() -> server.sessions.count() == 1);
      // 10 KB frames: with only a whole-frame check at the high water mark the queue would end
      // up to one frame past the bound.
      String text = "x".repeat(10_000);
      int sent = 0;
      while (server.counter("warbler.gateway.slow.consumers") == 0 && sent < 5_000) {
        send(server, bob, alice, "m" + ++sent, text).join();
      }

      assertThat(server.counter("warbler.gateway.slow.consumers")).isEqualTo(1);
      assertThat(queuedAtClose(server).max()).isLessThanOrEqualTo(bound).isPositive();
      assertThat(slow.awaitClosed(Duration.ofSeconds(10)))
          .as("dropped after the close timeout at the latest")
          .isLessThan(Duration.ofSeconds(30));
      System.out.printf(
          "figures: bound=%d frame=~10000 sent=%d queued_at_close=%.0f%n",
          bound, sent, queuedAtClose(server).max());
    }
  }

  @Test
  void aClientThatPipelinesRequestsWithoutReadingTheAnswersIsASlowConsumer() {
    int bound = 64 * 1024;
    try (TestGateway server =
        new TestGateway(GatewayConfig.defaults().withMaxOutboundBytes(bound))) {
      String alice = server.newUser();
      String bob = server.newUser();
      String text = "y".repeat(1_000);
      for (int i = 1; i <= 50; i++) {
        send(server, bob, alice, "p" + i, text).join();
      }
      try (RawSocket slow = stalled(server, alice, 0)) {
        Awaitility.await().atMost(WAIT).until(() -> server.sessions.count() == 1);
        String conversation =
            dev.warbler.core.messaging.ConversationId.direct(alice, bob).toString();
        // Each answer is ~20 KB; without a check on answers the queue would grow by all of them.
        for (int i = 0; i < 60; i++) {
          slow.write(
              RawSocket.frame(
                  Encoding.PROTO,
                  ClientFrame.newBuilder()
                      .setId("q" + i)
                      .setPull(
                          Pull.newBuilder()
                              .setConversation(conversation)
                              .setAfterSeq(0)
                              .setLimit(20))
                      .build()));
        }

        Awaitility.await()
            .atMost(WAIT)
            .until(() -> server.counter("warbler.gateway.slow.consumers") == 1);
        assertThat(queuedAtClose(server).max()).isLessThanOrEqualTo(bound);
      }
    }
  }

  @Test
  void fiftyStalledConsumersOfLargeStreamsHoldAtMostTheirBoundsAndLoseNothing() {
    int consumers = 50;
    int bound = 256 * 1024;
    int perConsumer = 60;
    String text = "z".repeat(30_000); // 60 x 30 KB = 1.8 MB for each stalled client
    // A fixed 64 KiB kernel send buffer: left to autotuning, loopback sockets absorb ~3 MB each
    // before the server's own queue grows at all.
    try (TestGateway server =
        new TestGateway(
            GatewayConfig.defaults()
                .withMaxOutboundBytes(bound)
                .withSocketSendBufferBytes(64 * 1024))) {
      String sender = server.newUser();
      List<String> users = new ArrayList<>();
      List<RawSocket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < consumers; i++) {
          String u = server.newUser();
          users.add(u);
          sockets.add(stalled(server, u, i));
        }
        Awaitility.await().atMost(WAIT).until(() -> server.sessions.count() == consumers);
        long before = heapAfterGc();

        Map<String, TreeSet<Long>> acked = new HashMap<>();
        List<CompletableFuture<AppendResult>> sends = new ArrayList<>();
        for (int m = 0; m < perConsumer; m++) {
          for (String u : users) {
            sends.add(send(server, sender, u, u + "-" + m, text));
          }
        }
        for (CompletableFuture<AppendResult> f : sends) {
          ChatMessage msg = f.join().message();
          acked.computeIfAbsent(msg.conversation().toString(), k -> new TreeSet<>()).add(msg.seq());
        }
        long after = heapAfterGc();
        long growth = after - before;
        long slack = 32L * 1024 * 1024;

        assertThat(server.counter("warbler.gateway.slow.consumers")).isEqualTo(consumers);
        assertThat(queuedAtClose(server).max()).isLessThanOrEqualTo(bound);
        assertThat(growth)
            .as("heap growth with %d stalled consumers of %d bytes each", consumers, bound)
            .isLessThan((long) consumers * bound + slack);

        int recovered = 0;
        for (String u : users) {
          RawClient again = server.login(u, Encoding.PROTO);
          SyncResult sync =
              again
                  .request(ClientFrame.newBuilder().setId("y").setSync(Sync.newBuilder()).build())
                  .getSyncResult();
          assertThat(sync.getConversationsList()).hasSize(1);
          ConversationState c = sync.getConversations(0);
          TreeSet<Long> got = new TreeSet<>();
          long after0 = 0;
          while (after0 < c.getLastSeq()) {
            long from = after0;
            var page =
                again
                    .request(
                        ClientFrame.newBuilder()
                            .setId("p" + from)
                            .setPull(
                                Pull.newBuilder()
                                    .setConversation(c.getConversation())
                                    .setAfterSeq(from)
                                    .setLimit(20))
                            .build())
                    .getMessages();
            for (var m : page.getMessagesList()) {
              got.add(m.getSeq());
              after0 = Math.max(after0, m.getSeq());
            }
          }
          assertThat(got)
              .as("seqs of %s after resync", u)
              .isEqualTo(acked.get(c.getConversation()));
          recovered += got.size();
          again.close();
        }
        assertThat(recovered).isEqualTo(consumers * perConsumer);
        System.out.printf(
            "figures: consumers=%d bound=%d stream_per_consumer=%d heap_growth=%d"
                + " max_queued_at_close=%.0f recovered=%d%n",
            consumers, bound, perConsumer * 30_000, growth, queuedAtClose(server).max(), recovered);
      } finally {
        sockets.forEach(RawSocket::close);
      }
    }
  }

  /** Heap in use after a full collection (System.gc is honoured by the default collector). */
  private static long heapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    memory.gc();
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }
}
