package dev.warbler.core.spi;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.SendOptions;

/**
 * A validated message to append. The store assigns seq; {@code id} and {@code sentAt} are chosen by
 * the core before the append and kept only if the message is not a duplicate. {@code options} are
 * stored with it (reply, mentions, forward).
 */
public record NewMessage(
    String app,
    ConversationId conversation,
    String id,
    String clientMsgId,
    String sender,
    MessageType type,
    String text,
    String payload,
    long sentAt,
    SendOptions options) {

  /** A message without reply, mentions or forward. */
  public NewMessage(
      String app,
      ConversationId conversation,
      String id,
      String clientMsgId,
      String sender,
      MessageType type,
      String text,
      String payload,
      long sentAt) {
    this(app, conversation, id, clientMsgId, sender, type, text, payload, sentAt, SendOptions.NONE);
  }
}
