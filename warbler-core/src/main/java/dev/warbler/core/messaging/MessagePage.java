package dev.warbler.core.messaging;

import java.util.List;

/** Messages oldest first; {@code more} says whether the range continues past this page. */
public record MessagePage(ConversationId conversation, List<ChatMessage> messages, boolean more) {}
