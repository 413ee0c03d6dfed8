package dev.warbler.core.state;

import dev.warbler.core.messaging.ConversationId;

/**
 * An ephemeral event pushed to live connections: a receipt, a typing indicator or a presence
 * change. Never stored as a message; a connection that misses one (offline, reconnecting) learns
 * the state by asking ({@code get_receipts}, {@code subscribe_presence}) or by sync (its own read
 * position).
 */
public sealed interface StateEvent {
  String app();

  /** {@code user} has read {@code conversation} up to {@code readSeq}. */
  record ReadReceipt(String app, ConversationId conversation, String user, long readSeq)
      implements StateEvent {}

  /** {@code user}'s devices have received {@code conversation} up to {@code deliveredSeq}. */
  record DeliveryReceipt(String app, ConversationId conversation, String user, long deliveredSeq)
      implements StateEvent {}

  /** {@code user} started ({@code active}) or stopped typing in {@code conversation}. */
  record Typing(String app, ConversationId conversation, String user, boolean active)
      implements StateEvent {}

  /** {@code user} came online or went offline; {@code lastSeen} in epoch milliseconds. */
  record PresenceChange(String app, String user, boolean online, long lastSeen)
      implements StateEvent {}
}
