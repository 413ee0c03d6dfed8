package dev.warbler.core.chatrooms;

import dev.warbler.core.messaging.ChatMessage;

/**
 * What a connection present in a chatroom is pushed. One event object is pushed to every present
 * connection, so a transport may encode it once and share the bytes.
 */
public sealed interface RoomEvent {
  String room();

  /**
   * A chatroom message. {@code message.seq()} counts within {@code epoch}: the epoch changes when
   * the room's in-memory state starts over (a restart, the room re-created).
   */
  record RoomMessage(String room, long epoch, ChatMessage message) implements RoomEvent {}

  /** The connection is no longer in the room (the room was deleted). */
  record RoomClosed(String room, String reason) implements RoomEvent {}
}
