package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.PresenceRegistry;
import dev.warbler.core.spi.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Bus} and {@link PresenceRegistry} must do (see their guarantees), checked over
 * several nodes of one cluster. A bus kind runs it by extending it and saying how a node joins a
 * fresh cluster per test ({@link #join}) and which registry the cluster has: the in-process bus
 * now, NATS in the scale-out bundle. Waits are for delivery, never for timing: an asynchronous bus
 * passes as well as a synchronous one.
 */
public abstract class BusContract {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String APP = "acme";

  private final List<Bus> nodes = new ArrayList<>();

  /**
   * A new node's bus in this test's cluster (the first call of a test starts a fresh cluster; the
   * contract closes the buses after the test).
   */
  protected abstract Bus newNode(String node);

  /** The presence registry of this test's cluster. */
  protected abstract PresenceRegistry registry();

  @AfterEach
  final void closeNodes() {
    nodes.forEach(Bus::close);
  }

  private Bus join(String node) {
    Bus bus = newNode(node);
    nodes.add(bus);
    return bus;
  }

  private static Event event(int n) {
    return new Event.UserChanged(APP, "u" + n);
  }

  private static int number(Event e) {
    return Integer.parseInt(((Event.UserChanged) e).user().substring(1));
  }

  private static Consumer<Event> into(List<Event> heard) {
    return heard::add;
  }

  private static void awaitSize(List<?> list, int size) {
    await().atMost(WAIT).untilAsserted(() -> assertThat(list).hasSize(size));
  }

  /** Published after the others, on the same topic: once it arrived, everything before did. */
  private static void flush(Bus publisher, Topic topic, List<Event> heard, int marker) {
    publisher.publish(topic, event(marker));
    await().atMost(WAIT).until(() -> heard.stream().anyMatch(e -> number(e) == marker));
  }

  @Test
  void anEventReachesTheSubscribersOfItsTopicOnEveryNodeThePublisherIncluded() {
    Bus a = join("a");
    Bus b = join("b");
    Bus c = join("c");
    List<Event> onA = new CopyOnWriteArrayList<>();
    List<Event> onB = new CopyOnWriteArrayList<>();
    List<Event> onC = new CopyOnWriteArrayList<>();
    Topic amy = Topic.user(APP, "amy");
    a.subscribe(amy, into(onA));
    b.subscribe(amy, into(onB));
    c.subscribe(Topic.user(APP, "bob"), into(onC));

    a.publish(amy, event(1));

    awaitSize(onA, 1);
    awaitSize(onB, 1);
    flush(a, Topic.user(APP, "bob"), onC, 99);
    assertThat(onC).extracting(BusContract::number).containsExactly(99);
    assertThat(a.node()).isNotEqualTo(b.node());
  }

  @Test
  void topicsOfOneKindAreKeptApartByAppAndId() {
    Bus a = join("a");
    Bus b = join("b");
    List<Event> team = new CopyOnWriteArrayList<>();
    List<Event> otherApp = new CopyOnWriteArrayList<>();
    List<Event> user = new CopyOnWriteArrayList<>();
    b.subscribe(Topic.group(APP, "team"), into(team));
    b.subscribe(Topic.group("other", "team"), into(otherApp));
    b.subscribe(Topic.user(APP, "team"), into(user));

    a.publish(Topic.group(APP, "team"), event(1));
    a.publish(Topic.room(APP, "team"), event(2));

    awaitSize(team, 1);
    flush(a, Topic.group("other", "team"), otherApp, 3);
    flush(a, Topic.user(APP, "team"), user, 4);
    assertThat(otherApp).extracting(BusContract::number).containsExactly(3);
    assertThat(user).extracting(BusContract::number).containsExactly(4);
    assertThat(team).extracting(BusContract::number).containsExactly(1);
  }

  @Test
  void eventsOfOnePublisherThreadArriveInPublishOrder() {
    Bus a = join("a");
    Bus b = join("b");
    List<Event> heard = new CopyOnWriteArrayList<>();
    Topic topic = Topic.group(APP, "ordered");
    b.subscribe(topic, into(heard));

    for (int i = 0; i < 2_000; i++) {
      a.publish(topic, event(i));
    }

    awaitSize(heard, 2_000);
    assertThat(heard)
        .extracting(BusContract::number)
        .containsExactlyElementsOf(IntStream.range(0, 2_000).boxed().toList());
  }

  @Test
  void theNodesTopicReachesEveryNode() {
    List<List<Event>> heard = new ArrayList<>();
    List<Bus> buses = List.of(join("a"), join("b"), join("c"));
    for (Bus bus : buses) {
      List<Event> mine = new CopyOnWriteArrayList<>();
      bus.subscribe(Topic.nodes(), into(mine));
      heard.add(mine);
    }

    buses.get(1).publish(Topic.nodes(), event(7));

    heard.forEach(list -> awaitSize(list, 1));
  }

  @Test
  void aCancelledSubscriptionHearsNothingMoreAndTheOthersGoOn() {
    Bus a = join("a");
    Bus b = join("b");
    List<Event> cancelled = new CopyOnWriteArrayList<>();
    List<Event> kept = new CopyOnWriteArrayList<>();
    Topic topic = Topic.user(APP, "amy");
    Bus.Subscription s = b.subscribe(topic, into(cancelled));
    b.subscribe(topic, into(kept));
    a.publish(topic, event(1));
    awaitSize(cancelled, 1);

    s.cancel();
    s.cancel();
    a.publish(topic, event(2));

    awaitSize(kept, 2);
    assertThat(cancelled).extracting(BusContract::number).containsExactly(1);
  }

  @Test
  void aClosedNodeHearsNothingAndPublishesNothing() {
    Bus a = join("a");
    Bus b = join("b");
    List<Event> onA = new CopyOnWriteArrayList<>();
    List<Event> onB = new CopyOnWriteArrayList<>();
    Topic topic = Topic.group(APP, "team");
    a.subscribe(topic, into(onA));
    b.subscribe(topic, into(onB));

    b.close();
    b.publish(topic, event(1));
    a.publish(topic, event(2));

    awaitSize(onA, 1);
    assertThat(onA).extracting(BusContract::number).containsExactly(2);
    assertThat(onB).isEmpty();
  }

  @Test
  void aSubscriberThatThrowsDoesNotKeepTheEventFromTheOthers() {
    Bus a = join("a");
    Bus b = join("b");
    List<Event> heard = new CopyOnWriteArrayList<>();
    Topic topic = Topic.user(APP, "amy");
    b.subscribe(
        topic,
        e -> {
          throw new IllegalStateException("a broken subscriber");
        });
    b.subscribe(topic, into(heard));

    a.publish(topic, event(1));
    a.publish(topic, event(2));

    awaitSize(heard, 2);
  }

  @Test
  void eachEventReachesExactlyOneMemberOfEachQueueAcrossNodes() {
    Bus a = join("a");
    Bus b = join("b");
    Bus c = join("c");
    Topic work = Topic.work("webhooks");
    Map<Integer, AtomicInteger> webhookCounts = new ConcurrentHashMap<>();
    List<String> webhookWorkers = Collections.synchronizedList(new ArrayList<>());
    List<Event> bots = new CopyOnWriteArrayList<>();
    for (Bus bus : List.of(a, b, c)) {
      bus.subscribeQueue(
          work,
          "webhooks",
          e -> {
            webhookCounts.computeIfAbsent(number(e), n -> new AtomicInteger()).incrementAndGet();
            webhookWorkers.add(bus.node());
          });
    }
    b.subscribeQueue(work, "bots", into(bots));
    c.subscribeQueue(work, "bots", into(bots));

    for (int i = 0; i < 300; i++) {
      a.publish(work, event(i));
    }

    awaitSize(bots, 300);
    await().atMost(WAIT).until(() -> webhookCounts.size() == 300);
    assertThat(webhookCounts.values()).allSatisfy(n -> assertThat(n.get()).isOne());
    assertThat(bots).extracting(BusContract::number).doesNotHaveDuplicates();
    // Shared, not all on one node (every implementation spreads work over its members).
    assertThat(webhookWorkers).contains("a", "b", "c");
  }

  @Test
  void aQueueKeepsWorkingWhenOneOfItsMembersLeaves() {
    Bus a = join("a");
    Bus b = join("b");
    Topic work = Topic.work("bots");
    List<Event> onA = new CopyOnWriteArrayList<>();
    List<Event> onB = new CopyOnWriteArrayList<>();
    a.subscribeQueue(work, "bots", into(onA));
    Bus.Subscription leaving = b.subscribeQueue(work, "bots", into(onB));

    leaving.cancel();
    for (int i = 0; i < 50; i++) {
      a.publish(work, event(i));
    }

    awaitSize(onA, 50);
    assertThat(onB).isEmpty();
  }

  @Test
  void theRegistryAnnouncesTheFirstNodeOfAUserAndTheLastOneGone() {
    PresenceRegistry r = registry();

    PresenceRegistry.Transition first = r.add(APP, "amy", "a");
    PresenceRegistry.Transition second = r.add(APP, "amy", "b");
    PresenceRegistry.Transition again = r.add(APP, "amy", "a");
    boolean onlineWithTwo = r.online(APP, "amy");
    PresenceRegistry.Transition oneLeft = r.remove(APP, "amy", "a");
    boolean onlineWithOne = r.online(APP, "amy");
    PresenceRegistry.Transition lastGone = r.remove(APP, "amy", "b");
    PresenceRegistry.Transition goneTwice = r.remove(APP, "amy", "b");

    assertThat(first.changed()).isTrue();
    assertThat(first.online()).isTrue();
    assertThat(second.changed()).isFalse();
    assertThat(again.changed()).isFalse();
    assertThat(onlineWithTwo).isTrue();
    assertThat(oneLeft.changed()).isFalse();
    assertThat(onlineWithOne).isTrue();
    assertThat(lastGone.changed()).isTrue();
    assertThat(lastGone.online()).isFalse();
    assertThat(lastGone.version()).isGreaterThan(first.version());
    assertThat(goneTwice.changed()).isFalse();
    assertThat(r.online(APP, "amy")).isFalse();
    assertThat(r.online("other", "amy")).isFalse();
  }

  @Test
  void concurrentNodesProduceExactlyOneTransitionPerChangeOfState() throws Exception {
    PresenceRegistry r = registry();
    List<PresenceRegistry.Transition> transitions = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (String node : List.of("a", "b", "c", "d")) {
      threads.add(
          Thread.ofVirtual()
              .start(() -> {
                for (int i = 0; i < 500; i++) {
                  transitions.add(r.add(APP, "amy", node));
                  transitions.add(r.remove(APP, "amy", node));
                }
              }));
    }
    for (Thread t : threads) {
      t.join();
    }

    List<PresenceRegistry.Transition> changes =
        transitions.stream().filter(PresenceRegistry.Transition::changed).toList();
    long online = changes.stream().filter(PresenceRegistry.Transition::online).count();
    assertThat(r.online(APP, "amy")).isFalse();
    assertThat(online).isPositive().isEqualTo(changes.size() - online);
    assertThat(changes).extracting(PresenceRegistry.Transition::version).doesNotHaveDuplicates();
  }
}
