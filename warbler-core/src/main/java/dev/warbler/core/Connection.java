package dev.warbler.core;

import dev.warbler.protocol.CloseCode;

/**
 * One authenticated client connection, as the core sees it: something that can take a pushed
 * message or event and be closed. Reading stays in the transport. Implementations never block: a
 * connection that cannot keep up closes itself with {@link CloseCode#SLOW_CONSUMER}.
 */
public interface Connection {
  String app();

  String user();

  void push(ChatMessage message);

  /** Pushes an ephemeral event (receipt, typing, presence); never blocks, like a message. */
  void push(StateEvent event);

  void close(CloseCode code, String reason);
}
