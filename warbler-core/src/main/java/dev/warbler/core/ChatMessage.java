package dev.warbler.core;

/**
 * A stored message. {@code seq} is its position in the conversation (1, 2, 3 ... with no gaps);
 * {@code sender} is empty for system messages; {@code payload} is JSON or empty.
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
    long sentAt) {}
