package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SubscribePresence;
import dev.warbler.server.Setting;
import dev.warbler.server.cluster.TestCluster.Node;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two regions: node A on region A's NATS (the hub, with JetStream), node B on region B's (a leaf
 * node of A), one store. Messages and presence cross the regions; when the link between them
 * breaks, each region goes on serving its own users, the other region's users show offline once the
 * node timeout passes, messages across are stored and acked but reach the other side only by sync,
 * and everything crosses again once the link heals, by itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NatsRegionsTest {
  private static final String APP = "default";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicInteger ids = new AtomicInteger();
  private static final String RUN =
      "regions" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  @TempDir static Path dir;
  private NatsRegions regions;
  private TestCluster cluster;
  private Node a;
  private Node b;
  private final List<RawClient> clients = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    regions = NatsRegions.start(dir);
    String run = RUN;
    cluster =
        TestCluster.start(
            dir,
            2,
            Map.of(
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "0",
                Setting.BUS_KIND, "nats",
                Setting.BUS_NATS_SUBJECT_PREFIX, run,
                Setting.BUS_NATS_PRESENCE_BUCKET, run,
                Setting.BUS_NATS_JETSTREAM_DOMAIN, "hub",
                Setting.BUS_NATS_NODE_TIMEOUT_SECONDS, "2",
                Setting.BUS_PRESENCE_REPAIR_SECONDS, "1"),
            false,
            i -> Map.of(Setting.BUS_NATS_SERVERS, i == 0 ? regions.hubUrl : regions.leafUrl));
    a = cluster.node(0);
    b = cluster.node(1);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (regions != null) {
      regions.close();
    }
  }

  @AfterEach
  void closeClients() {
    clients.forEach(RawClient::close);
    clients.clear();
  }

  @Test
  void messagesAndPresenceCrossTheRegionsBothWays() {
    String alice = user();
    String bob = user();
    String carol = user();
    RawClient onA = login(a, alice);
    RawClient onB = login(b, bob);

    send(onA, bob, "from region A");
    assertThat(message(onB, "from region A").getFrom()).isEqualTo(alice);
    send(onB, alice, "from region B");
    assertThat(message(onA, "from region B").getFrom()).isEqualTo(bob);

    watch(onA, carol);
    RawClient carolOnB = login(b, carol);
    assertThat(presenceOf(onA, carol).getOnline()).isTrue();
    carolOnB.close();
    assertThat(presenceOf(onA, carol).getOnline()).isFalse();
  }

  @Test
  void whenTheLinkBreaksEachRegionServesItsOwnAndAllCrossesAgainOnceItHeals() throws Exception {
    String alice = user();
    String bob = user();
    String dave = user();
    RawClient aliceOnA = login(a, alice);
    RawClient bobOnB = login(b, bob);
    RawClient daveOnB = login(b, dave);
    watch(aliceOnA, bob);

    regions.link.cut();
    try {
      regions.awaitUnlinked();
      // Region B serves its own users: a message between two of them arrives live.
      send(daveOnB, bob, "inside region B");
      assertThat(message(bobOnB, "inside region B").getFrom()).isEqualTo(dave);
      // Across: the store takes it (acked), the push cannot cross.
      long seq = send(aliceOnA, bob, "across the cut");
      // Region A no longer hears from B's node: after the node timeout its users show offline.
      assertThat(presenceOf(aliceOnA, bob).getOnline()).isFalse();
      assertThat(bobOnB.drain()).noneMatch(f -> f.getMessage().getText().equals("across the cut"));

      regions.link.restore();
      regions.awaitLinked();
      // Healed by itself: B's node finds it was taken for dead and registers its users again.
      assertThat(presenceOf(aliceOnA, bob).getOnline()).isTrue();
      // What did not cross is in the history, where a client looks after a gap or a reconnect.
      ServerFrame page =
          bobOnB.request(
              ClientFrame.newBuilder()
                  .setId(id("h"))
                  .setHistory(History.newBuilder().setConversation(direct(alice, bob)).setLimit(10))
                  .build());
      assertThat(page.getMessages().getMessagesList())
          .anySatisfy(m -> {
            assertThat(m.getSeq()).isEqualTo(seq);
            assertThat(m.getText()).isEqualTo("across the cut");
          });
      // And live pushes cross again (the leaf's interest comes back within a few seconds).
      await()
          .atMost(WAIT)
          .untilAsserted(() -> {
            String text = "after the heal " + ids.incrementAndGet();
            send(aliceOnA, bob, text);
            assertThat(
                    bobOnB.await(
                        f -> f.getMessage().getText().equals(text), Duration.ofMillis(500)))
                .isNotNull();
          });
    } finally {
      regions.link.restore();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private String user() {
    String user = id("u");
    a.createUser(APP, user);
    return user;
  }

  private static String id(String kind) {
    return kind + ids.incrementAndGet();
  }

  private static String direct(String x, String y) {
    return x.compareTo(y) < 0 ? "d:" + x + ":" + y : "d:" + y + ":" + x;
  }

  private RawClient login(Node node, String user) {
    RawClient client = node.login(APP, user);
    clients.add(client);
    return client;
  }

  private static long send(RawClient from, String to, String text) {
    return TestCluster.sendText(from, to, text, WAIT);
  }

  private static dev.warbler.protocol.v1.Message message(RawClient to, String text) {
    return to.await(f -> f.hasMessage() && f.getMessage().getText().equals(text), WAIT)
        .getMessage();
  }

  private static void watch(RawClient watcher, String user) {
    ServerFrame r =
        watcher.request(
            ClientFrame.newBuilder()
                .setId(id("w"))
                .setSubscribePresence(SubscribePresence.newBuilder().addUsers(user))
                .build());
    assertThat(r.hasPresenceList()).as("%s", r).isTrue();
  }

  private static PresenceEvent presenceOf(RawClient watcher, String user) {
    return watcher
        .await(f -> f.hasPresenceEvent() && f.getPresenceEvent().getUser().equals(user), WAIT)
        .getPresenceEvent();
  }
}
