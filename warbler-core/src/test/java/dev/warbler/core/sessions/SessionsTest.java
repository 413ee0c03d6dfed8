package dev.warbler.core.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageExtras;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.spi.Push;
import dev.warbler.core.state.StateEvent;
import dev.warbler.protocol.CloseCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-group index of online users: group fan-out and its races with membership changes. */
class SessionsTest {
  private static final String APP = "acme";

  private final Bus bus = new LocalCluster().bus();
  private final Publisher publisher = new Publisher(bus);
  private final Sessions sessions = new Sessions(bus);
  private long seq;

  /** A connection that records what it receives. */
  private static final class Device implements Connection {
    final String user;
    final List<ChatMessage> got = new ArrayList<>();
    final List<StateEvent> events = new ArrayList<>();
    final List<Push> pushes = new ArrayList<>();

    Device(String user) {
      this.user = user;
    }

    @Override
    public String app() {
      return APP;
    }

    @Override
    public String user() {
      return user;
    }

    @Override
    public void push(Push push) {
      pushes.add(push);
      switch (push) {
        case Push.Message m -> got.add(m.message());
        case Push.State s -> events.add(s.event());
        case Push.Room r -> {}
        case Push.Contact c -> {}
      }
    }

    final List<CloseCode> closes = new ArrayList<>();

    @Override
    public void close(CloseCode code, String reason) {
      closes.add(code);
    }
  }

  private Device online(String user, Set<String> groups) {
    Device d = new Device(user);
    sessions.add(d, sessions.arriving(APP, user), groups);
    return d;
  }

  /** What a committed AddMembers tells every node. */
  private void joined(String group, List<String> users) {
    publisher.publish(
        new Event.GroupChanged(
            new GroupChange.Outcome(
                new GroupChange.AddMembers(APP, group, users, 1000), users, List.of()),
            Optional.empty()));
  }

  /** What a committed RemoveMembers tells every node. */
  private void left(String group, List<String> users) {
    publisher.publish(
        new Event.GroupChanged(
            new GroupChange.Outcome(new GroupChange.RemoveMembers(APP, group, users), users, users),
            Optional.empty()));
  }

  private void publishTo(String group) {
    ChatMessage m =
        new ChatMessage(
            APP,
            ConversationId.group(group),
            ++seq,
            "m" + seq,
            "c" + seq,
            "",
            MessageType.SYSTEM,
            "hi",
            "",
            0);
    publisher.publish(new Delivery(m, List.of()));
  }

  @Test
  void aGroupMessageReachesTheOnlineMembersThroughTheIndexOnly() {
    Device amy = online("amy", Set.of("team"));
    Device amyLaptop = online("amy", Set.of("team"));
    Device bob = online("bob", Set.of("club"));

    publishTo("team");

    assertThat(amy.got).hasSize(1);
    assertThat(amyLaptop.got).hasSize(1);
    assertThat(bob.got).isEmpty();
    assertThat(sessions.onlineMembers(APP, "team")).isEqualTo(1);
    assertThat(sessions.pushes()).isEqualTo(2);
  }

  @Test
  void aFanOutHandsOnePushObjectToEveryConnectionItReaches() {
    Device amy = online("amy", Set.of("team"));
    Device amyLaptop = online("amy", Set.of("team"));
    Device bob = online("bob", Set.of("team"));

    publishTo("team");
    publisher.publish(
        Event.Signal.toGroup(
            new StateEvent.Typing(APP, ConversationId.group("team"), "amy", true), "team", ""));
    publisher.publish(
        Event.Signal.toUsers(
            new StateEvent.ReadReceipt(APP, ConversationId.direct("amy", "bob"), "amy", 1),
            List.of("amy", "bob")));

    assertThat(amy.pushes).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(amyLaptop.pushes.get(i)).isSameAs(amy.pushes.get(i));
    }
    // A group event is one object on the node; a direct one is one object per recipient's topic.
    for (int i = 0; i < 2; i++) {
      assertThat(bob.pushes.get(i)).isSameAs(amy.pushes.get(i));
    }
    assertThat(bob.pushes.get(2)).isEqualTo(amy.pushes.get(2));
    assertThat(amy.pushes)
        .extracting(p -> p.getClass().getSimpleName())
        .containsExactly("Message", "State", "State");
  }

  @Test
  void aJoinWhileTheGroupsWereLoadingIsReplayedWhenTheConnectionIsAdded() {
    Sessions.Arrival arrival = sessions.arriving(APP, "amy");
    Set<String> snapshot = Set.of(); // loaded before the join committed
    joined("team", List.of("amy"));
    Device amy = new Device("amy");

    sessions.add(amy, arrival, snapshot);
    publishTo("team");

    assertThat(amy.got).hasSize(1);
  }

  @Test
  void aLeaveWhileTheGroupsWereLoadingIsReplayedToo() {
    Sessions.Arrival arrival = sessions.arriving(APP, "amy");
    Set<String> snapshot = Set.of("team"); // loaded before the removal committed
    left("team", List.of("amy"));
    Device amy = new Device("amy");

    sessions.add(amy, arrival, snapshot);
    publishTo("team");

    assertThat(amy.got).isEmpty();
    assertThat(sessions.onlineMembers(APP, "team")).isZero();
  }

  @Test
  void joinsAndLeavesOfOnlineUsersTakeEffectForTheNextMessage() {
    Device amy = online("amy", Set.of());

    joined("team", List.of("amy", "offline-user"));
    publishTo("team");
    left("team", List.of("amy"));
    publishTo("team");

    assertThat(amy.got).extracting(ChatMessage::seq).containsExactly(1L);
  }

  @Test
  void theLastConnectionGoingAwayEmptiesTheIndexAndACancelledArrivalLeavesNothing() {
    Device amy = online("amy", Set.of("team"));
    Sessions.Arrival failed = sessions.arriving(APP, "bob");
    sessions.cancel(failed);

    sessions.remove(amy);

    assertThat(sessions.onlineMembers(APP, "team")).isZero();
    assertThat(sessions.online(APP, "amy")).isFalse();
    assertThat(sessions.online(APP, "bob")).isFalse();
    assertThat(sessions.count()).isZero();
    // A user that comes back loads its groups afresh.
    Device again = online("amy", Set.of("club"));
    publishTo("team");
    publishTo("club");
    assertThat(again.got).extracting(m -> m.conversation().first()).containsExactly("club");
  }

  @Test
  void aConnectionArrivingWhileItsUserIsDeletedIsRefusedAndOneOpenAlreadyIsClosed() {
    Device open = online("zed", Set.of());
    Device arriving = new Device("zed");
    Sessions.Arrival arrival = sessions.arriving(APP, "zed");

    sessions.closeDeletedUser(APP, "zed", CloseCode.USER_REMOVED, "user deleted");

    assertThat(open.closes).containsExactly(CloseCode.USER_REMOVED);
    assertThat(sessions.add(arriving, arrival, Set.of())).isFalse();
    sessions.remove(open);
    assertThat(sessions.online(APP, "zed")).isFalse();
    assertThat(sessions.count()).isZero();
    // The refusal ends with the arrivals that were under way: a later one is not affected.
    Device later = new Device("zed");
    assertThat(sessions.add(later, sessions.arriving(APP, "zed"), Set.of())).isTrue();
    assertThat(sessions.online(APP, "zed")).isTrue();
  }

  @Test
  void closingADeletedUserWithNothingArrivingMarksNothing() {
    sessions.closeDeletedUser(APP, "ghost", CloseCode.USER_REMOVED, "user deleted");

    assertThat(sessions.add(new Device("ghost"), sessions.arriving(APP, "ghost"), Set.of()))
        .isTrue();
  }

  @Test
  void directMessagesStillGoToTheNamedRecipients() {
    Device amy = online("amy", Set.of());
    ChatMessage m =
        new ChatMessage(
            APP,
            ConversationId.direct("amy", "bob"),
            1,
            "m",
            "c",
            "bob",
            MessageType.TEXT,
            "hi",
            "",
            0);

    publisher.publish(new Delivery(m, List.of("amy", "bob")));

    assertThat(amy.got).containsExactly(m);
  }

  private static ChatMessage groupMessage(String group, long seq, MessageType type) {
    return new ChatMessage(
        APP, ConversationId.group(group), seq, "m" + seq, "c" + seq, "amy", type, "hi", "", 0);
  }

  @Test
  void aGroupChangeEntryReachesTheOnlineMembersThroughTheIndexLikeAMessage() {
    Device amy = online("amy", Set.of("team"));
    Device bob = online("bob", Set.of("team"));
    Device carl = online("carl", Set.of("club"));
    ChatMessage change =
        groupMessage("team", 2, MessageType.CHANGE)
            .withExtras(
                new MessageExtras(
                    0,
                    List.of(),
                    false,
                    "",
                    Optional.of(new MessageChange(1, new MessageChange.Action.Recall())),
                    false,
                    0,
                    List.of(),
                    false));

    publisher.publish(new Delivery(change, List.of()));

    assertThat(amy.got).containsExactly(change);
    assertThat(bob.got).containsExactly(change);
    assertThat(carl.got).isEmpty();
  }

  @Test
  void aDeleteForMeInAGroupReachesOnlyThatUsersDevicesNotTheWholeGroup() {
    Device amy = online("amy", Set.of("team"));
    Device amyLaptop = online("amy", Set.of("team"));
    Device bob = online("bob", Set.of("team"));
    ChatMessage tombstone = groupMessage("team", 1, MessageType.TEXT).tombstone();

    publisher.publish(new Delivery(tombstone, List.of("amy")));

    assertThat(amy.got).containsExactly(tombstone);
    assertThat(amyLaptop.got).containsExactly(tombstone);
    assertThat(bob.got).isEmpty();
  }

  @Test
  void aTypingEventInAGroupReachesTheOtherOnlineMembersThroughTheIndex() {
    Device amy = online("amy", Set.of("team"));
    Device bob = online("bob", Set.of("team"));
    Device bobLaptop = online("bob", Set.of("team"));
    Device carl = online("carl", Set.of("club"));
    Device dan = online("dan", Set.of());
    joined("team", List.of("dan"));
    StateEvent typing = new StateEvent.Typing(APP, ConversationId.group("team"), "amy", true);

    publisher.publish(Event.Signal.toGroup(typing, "team", "amy"));

    assertThat(amy.events).isEmpty();
    assertThat(bob.events).containsExactly(typing);
    assertThat(bobLaptop.events).containsExactly(typing);
    assertThat(dan.events).containsExactly(typing);
    assertThat(carl.events).isEmpty();
  }

  @Test
  void aReadReceiptInAGroupReachesEveryOnlineMemberTheReaderIncluded() {
    Device amy = online("amy", Set.of("team"));
    Device bob = online("bob", Set.of("team"));
    Device carl = online("carl", Set.of("club"));
    StateEvent read = new StateEvent.ReadReceipt(APP, ConversationId.group("team"), "amy", 3);

    publisher.publish(Event.Signal.toGroup(read, "team", ""));
    left("team", List.of("bob"));
    publisher.publish(Event.Signal.toGroup(read, "team", ""));

    assertThat(amy.events).containsExactly(read, read);
    assertThat(bob.events).containsExactly(read);
    assertThat(carl.events).isEmpty();
  }

  @Test
  void listenersHearTheFirstAndLastConnectionOfAUser() {
    List<String> heard = new ArrayList<>();
    sessions.addListener(
        new Sessions.Listener() {
          @Override
          public void added(Connection c, boolean first) {
            heard.add("added " + c.user() + " " + first);
          }

          @Override
          public void removed(Connection c, boolean last) {
            heard.add("removed " + c.user() + " " + last);
          }
        });

    Device amy = online("amy", Set.of("team"));
    Device amyLaptop = online("amy", Set.of());
    sessions.remove(amy);
    sessions.remove(amy);
    sessions.remove(amyLaptop);

    assertThat(heard)
        .containsExactly(
            "added amy true", "added amy false", "removed amy false", "removed amy true");
  }
}
