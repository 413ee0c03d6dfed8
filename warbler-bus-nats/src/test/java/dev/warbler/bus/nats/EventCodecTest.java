package dev.warbler.bus.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.contacts.FriendRequest;
import dev.warbler.core.contacts.FriendRequestEvent;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.GroupRole;
import dev.warbler.core.groups.GroupUpdate;
import dev.warbler.core.groups.InvitePolicy;
import dev.warbler.core.groups.JoinPolicy;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageExtras;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.ReactionCount;
import dev.warbler.core.spi.AccessStore;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.state.StateEvent;
import dev.warbler.protocol.CloseCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventCodecTest {
  private static final String APP = "acme";
  private final EventCodec codec = new EventCodec();

  private static ChatMessage message(MessageExtras extras) {
    return new ChatMessage(
        APP,
        ConversationId.direct("amy", "bob"),
        42,
        "m-42",
        "c-1",
        "amy",
        MessageType.TEXT,
        "héllo 👋 \"quoted\"\n",
        "{\"k\":[1,2]}",
        1_700_000_000_123L,
        extras);
  }

  private static MessageExtras extras(Optional<MessageChange> change) {
    return new MessageExtras(
        7,
        List.of("bob", "cy"),
        true,
        "d:amy:bob/3",
        change,
        true,
        1_700_000_000_999L,
        List.of(new ReactionCount("👍", 3, true), new ReactionCount("🎉", 1, false)),
        false,
        true);
  }

  private static final List<GroupChange> CHANGES =
      List.of(
          new GroupChange.Create(
              new GroupRecord(
                  APP,
                  "team",
                  "amy",
                  new GroupProfile(
                      "Team",
                      "https://a/b.png",
                      "d",
                      "{}",
                      true,
                      JoinPolicy.OPEN,
                      InvitePolicy.MEMBERS),
                  100,
                  0),
              Map.of("amy", GroupRole.OWNER, "bob", GroupRole.ADMIN, "cy", GroupRole.MEMBER)),
          new GroupChange.AddMembers(APP, "team", List.of("dan", "eve"), 500),
          new GroupChange.RemoveMembers(APP, "team", List.of("dan")),
          new GroupChange.SetRole(APP, "team", "bob", GroupRole.MEMBER),
          new GroupChange.TransferOwnership(APP, "team", "amy", "bob"),
          new GroupChange.Mute(APP, "team", "cy", 1_800_000_000_000L),
          new GroupChange.UpdateProfile(
              APP,
              "team",
              GroupUpdate.builder()
                  .name("New")
                  .avatarUrl("")
                  .description("desc")
                  .custom("{\"x\":1}")
                  .muteAll(false)
                  .joinPolicy(JoinPolicy.APPROVAL)
                  .invitePolicy(InvitePolicy.ADMINS)
                  .build()),
          new GroupChange.UpdateProfile(APP, "team", GroupUpdate.builder().name("Only").build()),
          new GroupChange.Ban(APP, "team", List.of("eve"), "amy", 123),
          new GroupChange.Unban(APP, "team", List.of("eve")),
          new GroupChange.RequestJoin(APP, "team", "fay", "let me in", 456, 50),
          new GroupChange.RemoveJoinRequests(APP, "team", List.of("fay")),
          new GroupChange.Delete(APP, "team", 789));

  private static final List<StateEvent> STATE_EVENTS =
      List.of(
          new StateEvent.ReadReceipt(APP, ConversationId.group("team"), "amy", 9),
          new StateEvent.DeliveryReceipt(APP, ConversationId.system("amy"), "amy", 10),
          new StateEvent.Typing(APP, ConversationId.direct("amy", "bob"), "bob", true),
          new StateEvent.PresenceChange(APP, "amy", false, 1_700_000_000_000L));

  private static final List<RoomEvent> ROOM_EVENTS =
      List.of(
          new RoomEvent.RoomMessage(
              "lobby",
              3,
              new ChatMessage(
                  APP,
                  ConversationId.room("lobby"),
                  1,
                  "r-1",
                  "",
                  "amy",
                  MessageType.MARKDOWN,
                  "*hi*",
                  "",
                  5)),
          new RoomEvent.RoomClosed("lobby", "deleted"));

  private static List<Event> everyEvent() {
    List<Event> events = new ArrayList<>();
    events.add(new Delivery(message(MessageExtras.NONE), List.of()));
    events.add(new Delivery(message(extras(Optional.empty())), List.of("amy", "bob")));
    events.add(
        new Delivery(
            message(extras(Optional.of(new MessageChange(3, new MessageChange.Action.Recall())))),
            List.of("bob")));
    events.add(
        new Delivery(
            message(
                extras(
                    Optional.of(
                        new MessageChange(
                            4, new MessageChange.Action.Edit("new", "{\"p\":true}", 77))))),
            List.of()));
    events.add(
        new Delivery(
            message(
                extras(
                    Optional.of(
                        new MessageChange(5, new MessageChange.Action.Reaction("👍", false, 2))))),
            List.of()));
    events.add(new Delivery(message(MessageExtras.NONE).tombstone(), List.of("amy")));
    for (GroupChange change : CHANGES) {
      events.add(
          new Event.GroupChanged(
              new GroupChange.Outcome(change, List.of("bob"), List.of("dan")),
              Optional.of(message(MessageExtras.NONE))));
      events.add(
          new Event.GroupChanged(
              new GroupChange.Outcome(change, List.of(), List.of()), Optional.empty()));
    }
    events.add(new Event.AccessChanged(new AccessStore.UserAccess(APP, "amy", 11, "spam", 12)));
    events.add(new Event.TokenRevoked(new AccessStore.RevokedToken(APP, "t-1", "amy", 13)));
    events.add(new Event.UserChanged(APP, "amy"));
    events.add(new Event.UserDeleted(APP, "amy"));
    events.add(new Event.AppChanged(APP));
    events.add(new Event.BlocksChanged(APP, "amy", "bob"));
    events.add(new Event.EncryptionChanged(APP));
    for (StateEvent e : STATE_EVENTS) {
      events.add(Event.Signal.toUsers(e, List.of("amy", "bob")));
      events.add(Event.Signal.toGroup(e, "team", "amy"));
    }
    for (FriendRequestEvent.Status status : FriendRequestEvent.Status.values()) {
      events.add(
          new Event.ContactSignal(
              APP,
              new FriendRequestEvent(new FriendRequest(APP, "amy", "bob", "hi", 14), status),
              List.of("amy", "bob")));
    }
    events.add(new Event.PresenceChanged(new StateEvent.PresenceChange(APP, "amy", true, 15), 16));
    for (RoomEvent e : ROOM_EVENTS) {
      events.add(new Event.RoomSignal(APP, "node-1", e));
    }
    for (CloseCode code : CloseCode.values()) {
      events.add(new Event.CloseSessions(APP, "amy", "t-1", code, "because"));
    }
    events.add(new Event.CloseSessions(APP, "", "", CloseCode.USER_BANNED, ""));
    return events;
  }

  @Test
  void everyEventKindSurvivesARoundTrip() {
    for (Event event : everyEvent()) {
      Event back = codec.decode(codec.encode(event));

      assertThat(back).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(event);
      assertThat(back.getClass()).isEqualTo(event.getClass());
    }
  }

  @Test
  void theSamplesCoverEveryKindOfEverySealedInterface() {
    Set<Class<?>> seen = new HashSet<>();
    everyEvent().forEach(e -> seen.add(e.getClass()));
    CHANGES.forEach(c -> seen.add(c.getClass()));
    STATE_EVENTS.forEach(e -> seen.add(e.getClass()));
    ROOM_EVENTS.forEach(e -> seen.add(e.getClass()));
    seen.addAll(
        List.of(
            MessageChange.Action.Recall.class,
            MessageChange.Action.Edit.class,
            MessageChange.Action.Reaction.class));

    for (Class<?> sealed :
        List.of(
            Event.class,
            GroupChange.class,
            StateEvent.class,
            RoomEvent.class,
            MessageChange.Action.class)) {
      assertThat(seen).containsAll(Arrays.asList(sealed.getPermittedSubclasses()));
    }
  }

  @Test
  void anEventIsSmallerThanItsJson() {
    Event event = new Delivery(message(extras(Optional.empty())), List.of("amy", "bob"));

    byte[] bytes = codec.encode(event);

    assertThat(bytes.length).isLessThan(700);
    assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain("dev.warbler");
  }

  @Test
  void bytesThatHoldNoEventAreRejectedWithAClearError() {
    assertThatThrownBy(() -> codec.decode("not cbor".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not an event");
    Event other = new Event.AppChanged(APP);
    byte[] bytes = codec.encode(other);
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    byte[] renamed = text.replace("AppChanged", "AppChangeX").getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> codec.decode(renamed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AppChangeX");
  }
}
