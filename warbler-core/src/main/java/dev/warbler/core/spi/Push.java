package dev.warbler.core.spi;

import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.contacts.FriendRequestEvent;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.state.StateEvent;
import java.util.Objects;

/**
 * What the core pushes to a {@link Connection}: a closed set, so a transport dispatches it with one
 * exhaustive {@code switch} and the compiler names the case it misses when the set grows.
 *
 * <p>A fan-out makes one {@code Push} per event and hands the same object to every connection it
 * reaches, so a push costs no allocation per connection; transports may rely on that identity to
 * encode an event once per wire format.
 */
public sealed interface Push {

  /** A stored message (or a lifecycle change entry) of a conversation the user may read. */
  record Message(ChatMessage message) implements Push {
    public Message {
      Objects.requireNonNull(message, "message");
    }
  }

  /** An ephemeral event: a receipt, typing or a presence change. */
  record State(StateEvent event) implements Push {
    public State {
      Objects.requireNonNull(event, "event");
    }
  }

  /** A chatroom event, for a connection present in the room. */
  record Room(RoomEvent event) implements Push {
    public Room {
      Objects.requireNonNull(event, "event");
    }
  }

  /** A friend-request event concerning the connection's user. */
  record Contact(FriendRequestEvent event) implements Push {
    public Contact {
      Objects.requireNonNull(event, "event");
    }
  }
}
