package dev.warbler.core.state;

import dev.warbler.core.messaging.ConversationId;
import java.util.List;
import java.util.Optional;

/**
 * One page of a conversation's receipts, ordered by user id; {@code nextCursor} is empty at the
 * end.
 */
public record ReceiptPage(
    ConversationId conversation, List<MemberReceipt> entries, Optional<String> nextCursor) {
  public ReceiptPage {
    entries = List.copyOf(entries);
  }
}
