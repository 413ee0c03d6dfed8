package dev.warbler.core.messaging;

/**
 * A stored message. {@code seq} is its position in the conversation (1, 2, 3 ... with no gaps);
 * {@code sender} is empty for system messages; {@code payload} is JSON or empty; {@code extras}
 * holds its reply, mentions and forward, what later happened to it (recall, edit, reactions), and
 * for {@link MessageType#CHANGE} entries the change they record.
 */
public record ChatMessage(
    String app,
    ConversationId conversation,
    long seq,
    String id,
    String clientMsgId,
    String sender,
    MessageType type,
    String text,
    String payload,
    long sentAt,
    MessageExtras extras) {

  /** A message with no extras. */
  public ChatMessage(
      String app,
      ConversationId conversation,
      long seq,
      String id,
      String clientMsgId,
      String sender,
      MessageType type,
      String text,
      String payload,
      long sentAt) {
    this(
        app,
        conversation,
        seq,
        id,
        clientMsgId,
        sender,
        type,
        text,
        payload,
        sentAt,
        MessageExtras.NONE);
  }

  public ChatMessage withExtras(MessageExtras newExtras) {
    return new ChatMessage(
        app, conversation, seq, id, clientMsgId, sender, type, text, payload, sentAt, newExtras);
  }

  /** The same message with another text and payload (encryption at rest seals and opens bodies). */
  public ChatMessage withBody(String newText, String newPayload, MessageExtras newExtras) {
    return new ChatMessage(
        app,
        conversation,
        seq,
        id,
        clientMsgId,
        sender,
        type,
        newText,
        newPayload,
        sentAt,
        newExtras);
  }

  /**
   * What a user who deleted this message for itself sees instead: the same conversation and seq, no
   * content.
   */
  public ChatMessage tombstone() {
    return new ChatMessage(
        app, conversation, seq, "", "", "", type, "", "", 0, MessageExtras.DELETED_FOR_ME);
  }
}
