package dev.warbler.bus.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What the NATS bus does beyond the contract: odd ids, bytes that are no event, its own events kept
 * off the network.
 */
class NatsBusTest {
  private final NatsConfig config =
      NatsTestSupport.config(UUID.randomUUID().toString().replace("-", ""));

  @Test
  void idsWithDotsWildcardsAndSpacesNameTheirOwnTopic() {
    try (NatsBus a = NatsBus.connect("a", config);
        NatsBus b = NatsBus.connect("b", config)) {
      List<Event> odd = new CopyOnWriteArrayList<>();
      List<Event> wildcardLookalike = new CopyOnWriteArrayList<>();
      List<Event> prefixLookalike = new CopyOnWriteArrayList<>();
      b.subscribe(Topic.user("a.b", "x *>\t中"), odd::add);
      b.subscribe(Topic.user("a.b", "*"), wildcardLookalike::add);
      b.subscribe(Topic.user("a", "b.x *>\t中"), prefixLookalike::add);

      a.publish(Topic.user("a.b", "x *>\t中"), new Event.UserChanged("a.b", "x *>\t中"));
      a.publish(Topic.user("a.b", "*"), new Event.UserChanged("a.b", "*"));

      await().atMost(Duration.ofSeconds(10)).until(() -> wildcardLookalike.size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> odd.size() == 1);
      assertThat(odd).containsExactly(new Event.UserChanged("a.b", "x *>\t中"));
      assertThat(wildcardLookalike).containsExactly(new Event.UserChanged("a.b", "*"));
      assertThat(prefixLookalike).isEmpty();
    }
  }

  @Test
  void aNodesOwnEventIsHandedOverOnThePublishingThreadAndNeverComesBackFromNats() throws Exception {
    Topic topic = Topic.user("acme", "ann");
    try (NatsBus a = NatsBus.connect("a", config);
        NatsBus b = NatsBus.connect("b", config)) {
      List<Thread> onA = new CopyOnWriteArrayList<>();
      List<Event> heardOnA = new CopyOnWriteArrayList<>();
      List<Event> heardOnB = new CopyOnWriteArrayList<>();
      a.subscribe(
          topic,
          e -> {
            onA.add(Thread.currentThread());
            heardOnA.add(e);
          });
      b.subscribe(topic, heardOnB::add);

      a.publish(topic, new Event.UserChanged("acme", "ann"));
      assertThat(onA).containsExactly(Thread.currentThread());

      // What b publishes after a's event reaches a after it, through NATS: had a's own event
      // echoed back, it would have arrived before this one.
      b.publish(topic, new Event.UserChanged("acme", "marker"));
      await().atMost(Duration.ofSeconds(10)).until(() -> heardOnA.size() >= 2);
      await().atMost(Duration.ofSeconds(10)).until(() -> heardOnB.size() == 2);
      assertThat(heardOnA)
          .containsExactly(
              new Event.UserChanged("acme", "ann"), new Event.UserChanged("acme", "marker"));
      // Two publishers: b hears its own event at once and a's when NATS brings it, in any order.
      assertThat(heardOnB)
          .containsExactlyInAnyOrder(
              new Event.UserChanged("acme", "ann"), new Event.UserChanged("acme", "marker"));
    }
  }

  @Test
  void aQueueMemberOnThePublishingNodeIsHandedItsShareThroughNats() {
    Topic topic = Topic.nodes();
    try (NatsBus a = NatsBus.connect("a", config)) {
      List<Event> worked = new CopyOnWriteArrayList<>();
      a.subscribeQueue(topic, "bots", worked::add);

      a.publish(topic, new Event.AppChanged("acme"));

      await().atMost(Duration.ofSeconds(10)).until(() -> worked.size() == 1);
      assertThat(worked).containsExactly(new Event.AppChanged("acme"));
    }
  }

  @Test
  void bytesThatAreNoEventAreDroppedAndTheSubscriberGoesOn() throws Exception {
    Topic topic = Topic.group("acme", "team");
    Connection raw = NatsBus.open(config, "raw");
    try (NatsBus a = NatsBus.connect("a", config)) {
      List<Event> heard = new CopyOnWriteArrayList<>();
      a.subscribe(topic, heard::add);

      raw.publish(
          Subjects.subject(config.subjectPrefix(), topic),
          "garbage".getBytes(StandardCharsets.UTF_8));
      raw.flush(Duration.ofSeconds(5));
      a.publish(topic, new Event.AppChanged("acme"));

      await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 1);
      assertThat(heard).containsExactly(new Event.AppChanged("acme"));
    } finally {
      raw.close();
    }
  }
}
