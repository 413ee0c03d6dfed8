package dev.warbler.core.spi;

import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.contacts.FriendRequestEvent;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.state.StateEvent;
import dev.warbler.protocol.CloseCode;

/**
 * One authenticated client connection, as the core sees it: something that can take pushes
 * (messages, state events, chatroom and contact events) and be closed. Reading stays in the
 * transport. Implementations never block: a connection that cannot keep up closes itself with
 * {@link CloseCode#SLOW_CONSUMER}. Pushes to a closing connection are dropped.
 */
public interface Connection {
  String app();

  String user();

  /** The {@code jti} of the token this connection authenticated with; empty when it had none. */
  default String tokenId() {
    return "";
  }

  void push(ChatMessage message);

  /** Pushes an ephemeral event (receipt, typing, presence); never blocks, like a message. */
  void push(StateEvent event);

  /**
   * Pushes a chatroom event to this connection, present in the room. {@link Chatrooms} calls it
   * with the room locked, one event for all present connections in turn, never from a transport's
   * I/O thread; events of one room arrive in the order of the calls.
   */
  void pushRoom(RoomEvent event);

  /** Pushes a friend-request event concerning this connection's user. */
  void pushContact(FriendRequestEvent event);

  void close(CloseCode code, String reason);
}
