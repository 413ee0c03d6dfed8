package dev.warbler.core.spi;

import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.state.MemberReceipt;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Per-member delivery positions and the members' receipts of a conversation. Read positions are
 * kept by {@link MessageStore#markRead}; this port adds the delivered position beside them.
 *
 * <p>Guarantees: positions only rise and never pass the conversation's last seq; a completed {@link
 * #markDelivered} is durable under the store's durability mode; moving a delivered position does
 * not move the conversation in anyone's sync (only read positions do). Thread-safe; {@link
 * #markDelivered} does not block, {@link #receipts} may block on I/O.
 */
public interface ReceiptStore {

  /**
   * Raises the user's delivered position to {@code seq} (capped at the last seq, never lowered).
   * The change reports effective positions, which never fall below the read position (reading
   * implies delivery). Empty if the user is not a member (or a direct conversation has no message
   * yet). Fails with {@link WarblerException} (UNAVAILABLE) when the store is overloaded or closed.
   */
  CompletableFuture<Optional<PositionChange>> markDelivered(
      String app, String user, ConversationId conversation, long seq);

  /**
   * The members of a conversation whose user id sorts after {@code afterUser} (empty = from the
   * first), ordered by user id, at most {@code limit}.
   */
  List<MemberReceipt> receipts(
      String app, ConversationId conversation, String afterUser, int limit);

  /** A position before and after a change; {@code rose()} when the change moved it. */
  record PositionChange(long previous, long current) {
    public boolean rose() {
      return current > previous;
    }
  }
}
