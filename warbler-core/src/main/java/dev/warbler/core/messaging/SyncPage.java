package dev.warbler.core.messaging;

import java.util.List;

/** Conversations changed after a cursor, oldest change first; {@code more} if the page is full. */
public record SyncPage(List<ConversationState> conversations, long cursor, boolean more) {}
