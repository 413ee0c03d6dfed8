package dev.warbler.core;

import java.util.Optional;

/**
 * One user's view of a conversation: how far it goes, how far the user has read, and the user's own
 * settings of it.
 */
public record ConversationState(
    ConversationId conversation,
    long lastSeq,
    long readSeq,
    Optional<ChatMessage> lastMessage,
    long changePosition,
    ConversationSettings settings) {

  /** A state with no settings of the user's own ({@link ConversationSettings#NONE}). */
  public ConversationState(
      ConversationId conversation,
      long lastSeq,
      long readSeq,
      Optional<ChatMessage> lastMessage,
      long changePosition) {
    this(conversation, lastSeq, readSeq, lastMessage, changePosition, ConversationSettings.NONE);
  }

  public long unread() {
    return Math.max(0, lastSeq - readSeq);
  }
}
