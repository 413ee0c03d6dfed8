package dev.warbler.core.spi;

import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.contacts.FriendRequestEvent;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.state.StateEvent;
import dev.warbler.protocol.CloseCode;
import java.util.List;
import java.util.Optional;

/**
 * What the core publishes on the {@link Bus} after a change committed (or, for ephemeral signals,
 * happened), and what every node's in-memory views consume, the publishing node's included. The
 * topic of each kind is named on it (see {@link Topic}); docs/architecture.md has the table of
 * state, owner and event.
 *
 * <p>Counting (usage metering, the stored-messages metric) happens where an event originates, never
 * where it is received, so each counts once in a cluster.
 */
public sealed interface Event
    permits Delivery,
        Event.GroupChanged,
        Event.AccessChanged,
        Event.TokenRevoked,
        Event.UserChanged,
        Event.UserDeleted,
        Event.AppChanged,
        Event.BlocksChanged,
        Event.EncryptionChanged,
        Event.Signal,
        Event.ContactSignal,
        Event.PresenceChanged,
        Event.RoomSignal,
        Event.CloseSessions {

  String app();

  /**
   * A committed group change with its event message, if it has one (topic: nodes). Consumers: the
   * group cache (forgets the group), the per-group online index (adds the joined members before the
   * event message is pushed, drops the removed ones after).
   */
  record GroupChanged(GroupChange.Outcome outcome, Optional<ChatMessage> event) implements Event {
    @Override
    public String app() {
      return outcome.change().app();
    }

    public String group() {
      return outcome.change().group();
    }

    /** The users the change made members. */
    public List<String> joined() {
      return switch (outcome.change()) {
        case GroupChange.Create c -> outcome.users();
        case GroupChange.AddMembers a -> outcome.users();
        default -> List.of();
      };
    }
  }

  /** A user's new app-wide access state: a ban, an unban or a revocation (topic: nodes). */
  record AccessChanged(AccessStore.UserAccess access) implements Event {
    @Override
    public String app() {
      return access.app();
    }
  }

  /** One token was revoked (topic: nodes). */
  record TokenRevoked(AccessStore.RevokedToken token) implements Event {
    @Override
    public String app() {
      return token.app();
    }
  }

  /** A user was created or its profile changed: caches of it are stale (topic: nodes). */
  record UserChanged(String app, String user) implements Event {}

  /**
   * A user was deleted for good (topic: nodes): every cache forgets it, its connections close with
   * {@link CloseCode#USER_REMOVED} and those still authenticating are refused.
   */
  record UserDeleted(String app, String user) implements Event {}

  /** An app's record (its secret) changed: cached copies are stale (topic: nodes). */
  record AppChanged(String app) implements Event {}

  /** {@code user}'s block of {@code other} was set or lifted (topic: nodes). */
  record BlocksChanged(String app, String user, String other) implements Event {}

  /** An app's at-rest encryption settings or keys changed (topic: nodes). */
  record EncryptionChanged(String app) implements Event {}

  /**
   * An ephemeral event (receipt, typing) for the connections of {@code users} (topic: each user's),
   * or, when {@code group} is set, for the group's members online except {@code except} (topic: the
   * group's).
   */
  record Signal(StateEvent event, List<String> users, String group, String except)
      implements Event {
    public Signal {
      users = List.copyOf(users);
    }

    public static Signal toUsers(StateEvent event, List<String> users) {
      return new Signal(event, users, "", "");
    }

    public static Signal toGroup(StateEvent event, String group, String except) {
      return new Signal(event, List.of(), group, except);
    }

    @Override
    public String app() {
      return event.app();
    }
  }

  /** A friend-request event for the connections of {@code users} (topic: each user's). */
  record ContactSignal(String app, FriendRequestEvent event, List<String> users) implements Event {
    public ContactSignal {
      users = List.copyOf(users);
    }
  }

  /**
   * A user came online or went offline in the cluster (topic: nodes). {@code version} orders the
   * transitions of one user ({@link PresenceRegistry.Transition}).
   */
  record PresenceChanged(StateEvent.PresenceChange change, long version) implements Event {
    @Override
    public String app() {
      return change.app();
    }
  }

  /**
   * A chatroom event from node {@code origin} (topic: the room's). Chatroom messages are not
   * stored: each node with the room loaded gives them its own seq (see {@code Chatrooms}).
   */
  record RoomSignal(String app, String origin, RoomEvent event) implements Event {}

  /**
   * Close the connections of {@code user} (every user of the app when empty) that authenticated
   * with token {@code tokenId} (any when empty), on every node (topic: nodes).
   */
  record CloseSessions(String app, String user, String tokenId, CloseCode code, String reason)
      implements Event {}
}
