package dev.warbler.core.messaging;

/** The durable message, and whether it was already stored under the same client message id. */
public record AppendResult(ChatMessage message, boolean duplicate) {}
