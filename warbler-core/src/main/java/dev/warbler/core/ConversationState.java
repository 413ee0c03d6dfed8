package dev.warbler.core;

import java.util.Optional;

/** One user's view of a conversation: how far it goes, how far the user has read. */
public record ConversationState(
    ConversationId conversation,
    long lastSeq,
    long readSeq,
    Optional<ChatMessage> lastMessage,
    long changePosition) {

  public long unread() {
    return Math.max(0, lastSeq - readSeq);
  }
}
