package dev.warbler.core.messaging;

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
   * A provisional state as the stores first read it, before the unread count and mentions are
   * computed; its unread is {@code lastSeq - readSeq} and it mentions no one.
   */
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

  public ConversationState withLastMessage(Optional<ChatMessage> message) {
    return new ConversationState(
        conversation, lastSeq, readSeq, message, changePosition, unread, mentioned, settings);
  }
}
