package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.Message;
import dev.warbler.sdk.Backoff;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.WarblerClient;
import dev.warbler.server.Setting;
import dev.warbler.server.cluster.TestCluster.Node;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java SDK given a list of nodes: when the node it is connected to goes away, it reconnects
 * through the next one, syncs, and has every message exactly once and in order, including those
 * sent while it was moving; its own sends go on through the new node.
 */
class SdkFailoverTest {
  private static final String APP = "default";

  @TempDir Path dir;

  @Test
  void whenItsNodeGoesTheClientMovesToTheNextSyncsAndMissesNothing() throws Exception {
    try (TestCluster cluster =
        TestCluster.start(dir, 1, Map.of(Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "0"))) {
      Node stays = cluster.node(0);
      Node goes = cluster.startNode("X");
      stays.createUser(APP, "alice");
      stays.createUser(APP, "bob");
      List<Message> received = new CopyOnWriteArrayList<>();
      List<String> sessions = new CopyOnWriteArrayList<>();
      WarblerClient bob =
          WarblerClient.builder()
              .servers(List.of(http(goes), http(stays)))
              .token(() -> stays.token(APP, "bob"))
              .app(APP)
              .backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)))
              .listener(
                  new MessageListener() {
                    @Override
                    public void onMessage(Message m) {
                      received.add(m);
                    }

                    @Override
                    public void onConnected(AuthOk session) {
                      sessions.add(session.getSession());
                    }
                  })
              .build();
      try {
        bob.connect().get(10, TimeUnit.SECONDS);
        assertThat(goes.metric("warbler_gateway_connections")).isEqualTo(1.0);
        for (int i = 1; i <= 5; i++) {
          send(stays, "alice", "bob", "before " + i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 5);

        goes.close(); // drains: bob is told to reconnect elsewhere (1001)
        for (int i = 1; i <= 5; i++) {
          send(stays, "alice", "bob", "while moving " + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.size() == 2);
        assertThat(stays.metric("warbler_gateway_connections")).isEqualTo(1.0);
        bob.sendText("alice", "from the new node").get(10, TimeUnit.SECONDS);
        for (int i = 1; i <= 5; i++) {
          send(stays, "alice", "bob", "after " + i);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 16);
        List<Long> seqs =
            received.stream()
                .filter(m -> m.getConversation().equals("d:alice:bob"))
                .map(Message::getSeq)
                .toList();
        assertThat(seqs)
            .containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 16).boxed().toList());
      } finally {
        bob.close();
      }
    }
  }

  private static URI http(Node node) {
    return URI.create("http://127.0.0.1:" + node.server.httpPort());
  }

  private static void send(Node node, String from, String to, String text) {
    node.expect(
        201, "POST", "/v1/apps/" + APP + "/messages", Map.of("from", from, "to", to, "text", text));
  }
}
