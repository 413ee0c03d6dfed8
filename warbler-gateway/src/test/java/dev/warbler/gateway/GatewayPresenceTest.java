package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.APP;
import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.state.StateLimits;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SubscribePresence;
import dev.warbler.testkit.RawClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Presence over real sockets: subscriptions, transitions, last seen, and what is refused. */
class GatewayPresenceTest {
  private static final AtomicInteger ids = new AtomicInteger();
  private static TestGateway server;

  @BeforeAll
  static void start() {
    server =
        new TestGateway(
            GatewayConfig.defaults(),
            new StateLimits(200, 100, Duration.ofSeconds(1), 3, 200, 8192));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ServerFrame subscribe(RawClient c, String... users) {
    return c.request(
        ClientFrame.newBuilder()
            .setId("p" + ids.incrementAndGet())
            .setSubscribePresence(SubscribePresence.newBuilder().addAllUsers(List.of(users)))
            .build());
  }

  private static PresenceEvent nextPresence(RawClient c) {
    ServerFrame f = c.await(ServerFrame::hasPresenceEvent, WAIT);
    assertThat(f.getId()).isEmpty();
    return f.getPresenceEvent();
  }

  @Test
  void aSubscriberSeesAWatchedUserComeOnlineAndGoOfflineWithItsLastSeenTime() {
    String alice = server.newUser();
    String carol = server.newUser();
    RawClient watcher = server.login(carol, Encoding.PROTO);

    List<PresenceEntry> now =
        subscribe(watcher, alice, "ghost", alice).getPresenceList().getEntriesList();
    assertThat(now)
        .extracting(PresenceEntry::getUser, PresenceEntry::getOnline, PresenceEntry::getLastSeen)
        .containsExactly(tuple(alice, false, 0L), tuple("ghost", false, 0L));

    long before = System.currentTimeMillis();
    RawClient phone = server.login(alice);
    PresenceEvent online = nextPresence(watcher);
    assertThat(online.getUser()).isEqualTo(alice);
    assertThat(online.getOnline()).isTrue();
    assertThat(online.getLastSeen()).isGreaterThanOrEqualTo(before);

    // A second device changes nothing; the last one to close takes the user offline.
    RawClient laptop = server.login(alice);
    phone.close();
    assertThat(subscribe(watcher, alice).getPresenceList().getEntries(0).getOnline()).isTrue();
    laptop.close();
    PresenceEvent offline = nextPresence(watcher);
    assertThat(offline.getOnline()).isFalse();
    assertThat(offline.getLastSeen()).isGreaterThanOrEqualTo(online.getLastSeen());

    PresenceEntry asked = subscribe(watcher, alice).getPresenceList().getEntries(0);
    assertThat(asked.getOnline()).isFalse();
    assertThat(asked.getLastSeen()).isEqualTo(offline.getLastSeen());
    ProfileStore stored = server.stores.profiles();
    await()
        .atMost(WAIT)
        .until(() -> stored.profile(APP, alice).orElseThrow().lastSeen() == offline.getLastSeen());
  }

  @Test
  void onlySubscribedConnectionsHearOfTransitionsAndASubscriptionReplacesTheLast() {
    String alice = server.newUser();
    String bob = server.newUser();
    String carol = server.newUser();
    String dave = server.newUser();
    RawClient watcher = server.login(carol);
    RawClient bystander = server.login(dave);
    subscribe(watcher, alice);
    subscribe(watcher, bob);

    RawClient aliceClient = server.login(alice);
    RawClient bobClient = server.login(bob);

    PresenceEvent seen = nextPresence(watcher);
    assertThat(seen.getUser()).isEqualTo(bob);
    assertThat(GatewayReceiptsTest.eventsUntilPing(watcher))
        .noneMatch(ServerFrame::hasPresenceEvent);
    assertThat(GatewayReceiptsTest.eventsUntilPing(bystander))
        .noneMatch(ServerFrame::hasPresenceEvent);
    aliceClient.close();
    bobClient.close();
    assertThat(nextPresence(watcher).getUser()).isEqualTo(bob);
  }

  @Test
  void subscriptionsEndWithTheirConnection() {
    String alice = server.newUser();
    String carol = server.newUser();
    RawClient watcher = server.login(carol);
    subscribe(watcher, alice);
    assertThat(server.presence.watchers(APP, alice)).isEqualTo(1);

    watcher.close();

    await().atMost(WAIT).until(() -> server.presence.watchers(APP, alice) == 0);
  }

  @Test
  void tooManyOrMalformedUsersAreRefused() {
    RawClient c = server.login(server.newUser());

    ServerFrame tooMany = subscribe(c, "a", "b", "c", "d");
    assertThat(tooMany.getError().getCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
    ServerFrame malformed = subscribe(c, "not valid!");
    assertThat(malformed.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(subscribe(c).getPresenceList().getEntriesList()).isEmpty();
  }
}
