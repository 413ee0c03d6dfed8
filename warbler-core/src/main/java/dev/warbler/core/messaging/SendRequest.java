package dev.warbler.core.messaging;

/** A message a user (or the system) wants to send; validated by {@link Messenger#send}. */
public record SendRequest(
    Target target,
    String clientMsgId,
    MessageType type,
    String text,
    String payload,
    SendOptions options) {

  /** A request without reply, mentions or forward. */
  public SendRequest(
      Target target, String clientMsgId, MessageType type, String text, String payload) {
    this(target, clientMsgId, type, text, payload, SendOptions.NONE);
  }

  /** Where a message goes. */
  public sealed interface Target {
    record ToUser(String user) implements Target {}

    record ToGroup(String group) implements Target {}

    record ToConversation(ConversationId conversation) implements Target {}
  }
}
