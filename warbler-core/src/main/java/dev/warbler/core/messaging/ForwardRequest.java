package dev.warbler.core.messaging;

/**
 * A request to send a copy of message {@code fromSeq} of {@code from} to {@code to}; idempotent on
 * {@code clientMsgId} like a send. Validated by {@link MessageLifecycle#forward}.
 */
public record ForwardRequest(
    String clientMsgId, ConversationId from, long fromSeq, SendRequest.Target to) {}
