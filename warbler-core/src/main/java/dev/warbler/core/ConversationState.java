package dev.warbler.core;

import java.util.Optional;

/**
 * One user's view of a conversation: how far it goes, how far the user has read, and the user's own
 * settings of it. {@code unread} counts the messages after {@code readSeq} that are not the user's
 * own and not {@link MessageType#CHANGE} entries; {@code mentioned} is true when one of them
 * mentions the user or everyone. {@code lastMessage} is the newest message that is not a CHANGE
 * entry.
 */
public record ConversationState(
    ConversationId conversation,
    long lastSeq,
    long readSeq,
    Optional<ChatMessage> lastMessage,
    long changePosition,
    long unread,
    boolean mentioned,
    ConversationSettings settings) {

  /**
   * A state whose unread count is {@code lastSeq - readSeq}, without mentions and without settings
   * of the user's own ({@link ConversationSettings#NONE}).
   */
  public ConversationState(
      ConversationId conversation,
      long lastSeq,
      long readSeq,
      Optional<ChatMessage> lastMessage,
      long changePosition) {
    this(conversation, lastSeq, readSeq, lastMessage, changePosition, ConversationSettings.NONE);
  }

  /** A state whose unread count is {@code lastSeq - readSeq}, without mentions. */
  public ConversationState(
      ConversationId conversation,
      long lastSeq,
      long readSeq,
      Optional<ChatMessage> lastMessage,
      long changePosition,
      ConversationSettings settings) {
    this(
        conversation,
        lastSeq,
        readSeq,
        lastMessage,
        changePosition,
        Math.max(0, lastSeq - readSeq),
        false,
        settings);
  }

  /** A state without settings of the user's own ({@link ConversationSettings#NONE}). */
  public ConversationState(
      ConversationId conversation,
      long lastSeq,
      long readSeq,
      Optional<ChatMessage> lastMessage,
      long changePosition,
      long unread,
      boolean mentioned) {
    this(
        conversation,
        lastSeq,
        readSeq,
        lastMessage,
        changePosition,
        unread,
        mentioned,
        ConversationSettings.NONE);
  }

  public ConversationState withLastMessage(Optional<ChatMessage> message) {
    return new ConversationState(
        conversation, lastSeq, readSeq, message, changePosition, unread, mentioned, settings);
  }
}
