package dev.warbler.bus.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.core.spi.PresenceRegistry.Departed;
import dev.warbler.core.spi.PresenceRegistry.Repair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes that die without a word: their users go offline once their heartbeat expires, reported by
 * exactly one of the repairing nodes; a node the cluster took for dead is told to add its users
 * again; a node restarted under the same id does not keep its previous life's users online.
 */
class NatsPresenceRepairTest {
  private static final String APP = "app";
  private final NatsConfig config =
      NatsTestSupport.config(UUID.randomUUID().toString().replace("-", ""))
          .withNodeTimeout(Duration.ofSeconds(1));
  private final List<NatsPresenceRegistry> opened = new ArrayList<>();

  private NatsPresenceRegistry node(String id) {
    NatsPresenceRegistry r = NatsPresenceRegistry.connect(id, config);
    opened.add(r);
    return r;
  }

  @AfterEach
  void deleteBuckets() {
    opened.get(0).deleteBucket();
    opened.forEach(NatsPresenceRegistry::close);
  }

  @Test
  void theUsersOfAKilledNodeGoOfflineOnceAndOnlyOnce() {
    NatsPresenceRegistry a = node("a");
    NatsPresenceRegistry b = node("b");
    NatsPresenceRegistry c = node("c");
    a.add(APP, "amy", "a");
    a.add(APP, "bob", "a");
    b.add(APP, "bob", "b");
    assertThat(b.repair().offline()).isEmpty();
    assertThat(c.repair().offline()).isEmpty();

    a.stopBeating(); // kill -9: no remove, no goodbye

    List<Departed> reported = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> {
          reported.addAll(b.repair().offline());
          reported.addAll(c.repair().offline());
          assertThat(b.online(APP, "amy")).isFalse();
        });
    // amy had only the dead node: one offline transition, from one of the two; bob keeps b.
    assertThat(reported).extracting(Departed::user).containsExactly("amy");
    assertThat(reported.get(0).transition().online()).isFalse();
    assertThat(reported.get(0).transition().changed()).isTrue();
    assertThat(b.online(APP, "bob")).isTrue();
    // Nothing more to repair until another node dies.
    assertThat(b.repair().offline()).isEmpty();
    assertThat(c.repair().offline()).isEmpty();
  }

  @Test
  void aNodeRestartedUnderTheSameIdDoesNotKeepItsPreviousUsersOnline() {
    NatsPresenceRegistry before = node("n1");
    NatsPresenceRegistry other = node("n2");
    other.repair();
    before.add(APP, "amy", "n1");
    before.stopBeating();

    NatsPresenceRegistry after = node("n1"); // same node id, new process
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> {
          other.repair();
          assertThat(after.online(APP, "amy")).isFalse();
        });
    // Its own add counts: amy comes online again through the new life.
    assertThat(after.add(APP, "amy", "n1").online()).isTrue();
    assertThat(after.remove(APP, "amy", "n1").online()).isFalse();
  }

  @Test
  void aNodeTakenForDeadIsToldToAddItsUsersAgain() {
    NatsPresenceRegistry paused = node("p");
    NatsPresenceRegistry watcher = node("w");
    watcher.repair();
    paused.add(APP, "amy", "p");
    assertThat(paused.repair().reassert()).isFalse();
    paused.stopBeatingFor(Duration.ofMillis(2500)); // a GC pause or a network cut past the timeout

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> {
          watcher.repair();
          assertThat(watcher.online(APP, "amy")).isFalse();
        });
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> {
          Repair r = paused.repair();
          assertThat(r.reassert()).isTrue();
        });
    PresenceRegistry.Transition back = paused.add(APP, "amy", "p");
    assertThat(back.changed()).isTrue();
    assertThat(back.online()).isTrue();
  }
}
