package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.MessageType;
import dev.warbler.core.SendRequest;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.testkit.RawClient;
import java.util.ArrayList;
import java.util.List;
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
}
