package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.server.Setting;
import dev.warbler.server.cluster.TestCluster.Node;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NATS outage under two nodes: while the broker is down, sends are still stored and acked (the
 * store is the source of truth), connections stay up and presence changes fail no connection;
 * pushes to recipients on the sender's node still arrive live; pushes to the other node are lost
 * and the recipient finds those messages in history. When the broker is back (same port, same
 * JetStream store) the nodes reconnect by themselves and pushes cross again.
 */
class NatsOutageTest {
  private static final String APP = "default";
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir Path dir;
  private final List<RawClient> clients = new ArrayList<>();

  @Test
  void sendsAreAckedDuringAnOutageAndPushesCrossAgainOnceNatsIsBack() throws Exception {
    int port = NatsRegions.freePort();
    Process nats = natsServer(port);
    try (TestCluster cluster =
        TestCluster.start(
            dir,
            2,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "0",
                Setting.BUS_KIND, "nats",
                Setting.BUS_NATS_SERVERS, "nats://127.0.0.1:" + port,
                Setting.BUS_NATS_SUBJECT_PREFIX, "outage",
                Setting.BUS_NATS_PRESENCE_BUCKET, "outage",
                Setting.BUS_PRESENCE_REPAIR_SECONDS, "1"))) {
      Node a = cluster.node(0);
      Node b = cluster.node(1);
      a.createUser(APP, "alice");
      a.createUser(APP, "bob");
      a.createUser(APP, "dave");
      RawClient alice = login(a, "alice");
      RawClient bob = login(b, "bob");
      RawClient dave = login(a, "dave");
      send(alice, "bob", "before");
      bob.await(f -> f.getMessage().getText().equals("before"), WAIT);

      nats.destroy();
      assertThat(nats.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long during = send(alice, "bob", "during the outage");
      // A recipient on the sender's node needs no broker: the push arrives live.
      send(alice, "dave", "next door");
      assertThat(dave.await(f -> f.getMessage().getText().equals("next door"), WAIT)).isNotNull();
      RawClient carol = login(b, "bob"); // a new connection is still accepted
      assertThat(carol).isNotNull();

      nats = natsServer(port);
      // Back by itself: a push crosses again within the client's reconnect interval.
      await()
          .atMost(WAIT)
          .untilAsserted(() -> {
            String text = "after " + ids.incrementAndGet();
            send(alice, "bob", text);
            assertThat(
                    bob.await(f -> f.getMessage().getText().equals(text), Duration.ofMillis(500)))
                .isNotNull();
          });
      ServerFrame page =
          bob.request(
              ClientFrame.newBuilder()
                  .setId("h")
                  .setHistory(History.newBuilder().setConversation("d:alice:bob").setLimit(50))
                  .build());
      assertThat(page.getMessages().getMessagesList())
          .anySatisfy(m -> {
            assertThat(m.getSeq()).isEqualTo(during);
            assertThat(m.getText()).isEqualTo("during the outage");
          });
    } finally {
      clients.forEach(RawClient::close);
      nats.destroy();
      nats.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** A nats-server on {@code port} with JetStream, its store kept across restarts. */
  private Process natsServer(int port) throws Exception {
    Process p =
        NatsRegions.natsServer(
            List.of(
                "-a",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-js",
                "-sd",
                dir.resolve("js").toString()),
            dir.resolve("nats-" + System.nanoTime() + ".log"));
    NatsRegions.awaitPort(port, p);
    return p;
  }

  private RawClient login(Node node, String user) {
    RawClient client = node.login(APP, user);
    clients.add(client);
    return client;
  }

  private static long send(RawClient from, String to, String text) {
    return TestCluster.sendText(from, to, text, WAIT);
  }
}
