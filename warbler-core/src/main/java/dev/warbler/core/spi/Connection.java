package dev.warbler.core.spi;

import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.protocol.CloseCode;

/**
 * One authenticated client connection, as the core sees it: something that can take pushes
 * (messages, state events, chatroom and contact events: a {@link Push}) and be closed. Reading
 * stays in the transport. Implementations never block: a connection that cannot keep up closes
 * itself with {@link CloseCode#SLOW_CONSUMER}. Pushes to a closing connection are dropped.
 */
public interface Connection {
  String app();

  String user();

  /** The {@code jti} of the token this connection authenticated with; empty when it had none. */
  default String tokenId() {
    return "";
  }

  /**
   * Pushes a message or an event to this connection; never blocks, from any thread. A connection
   * that cannot keep up drops the push and closes itself with {@link CloseCode#SLOW_CONSUMER}; a
   * push to a closing connection is dropped.
   *
   * <ul>
   *   <li>{@link Push.Message}: a stored message of a conversation the user reads.
   *   <li>{@link Push.State}: an ephemeral event (receipt, typing, presence), like a message.
   *   <li>{@link Push.Room}: a chatroom event to a connection present in the room. {@link
   *       Chatrooms} calls it with the room locked, one event for all present connections in turn,
   *       never from a transport's I/O thread; events of one room arrive in the order of the calls.
   *   <li>{@link Push.Contact}: a friend-request event concerning this connection's user.
   * </ul>
   *
   * A fan-out passes the same {@code Push} object to every connection it reaches.
   */
  void push(Push push);

  void close(CloseCode code, String reason);
}
