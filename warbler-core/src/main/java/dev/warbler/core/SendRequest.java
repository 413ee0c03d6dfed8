package dev.warbler.core;

/** A message a user (or the system) wants to send; validated by {@link Messenger#send}. */
public record SendRequest(
    Target target, String clientMsgId, MessageType type, String text, String payload) {

  /** Where a message goes. */
  public sealed interface Target {
    record ToUser(String user) implements Target {}

    record ToGroup(String group) implements Target {}

    record ToConversation(ConversationId conversation) implements Target {}
  }
}
