package dev.warbler.core.spi;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.SyncPage;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where messages and per-user conversation state live. The store is the source of truth.
 *
 * <p>Guarantees every implementation must keep (proved by the store contract test, and for several
 * writers by the sync position contract):
 *
 * <ul>
 *   <li><b>Seq.</b> Within a conversation, appended messages get seq 1, 2, 3 ... in the order the
 *       store accepts them, with no gaps and no reuse, even across restarts.
 *   <li><b>Durability.</b> The future from {@link #append} completes only after the message is
 *       durable under the store's configured durability mode; a completed append survives a process
 *       crash.
 *   <li><b>Idempotency.</b> Appending again with the same (app, sender, client message id) returns
 *       the original message with {@code duplicate = true} and stores nothing.
 *   <li><b>Order.</b> Futures of appends to one conversation complete in seq order, one after the
 *       other: a continuation attached before completion runs before any later append's. The core
 *       publishes each stored message from such a continuation, so publication follows seq order (a
 *       continuation attached after completion runs at once on the caller's thread; a client that
 *       sees the resulting gap pulls it from the store).
 *   <li><b>Sync.</b> Every append, read-position move, settings change and membership change moves
 *       the affected conversation to a new change position. Positions follow commit order across
 *       every writer of the store, not only this process's: other processes on the same file, other
 *       nodes on the same database. A change committed after a reader has seen position {@code p}
 *       committed gets a position above {@code p}, never at or below it. So {@link #changedSince}
 *       with the last cursor sees each conversation's latest change at least once, whichever writer
 *       committed it, and no concurrent commit can slip in behind the cursor.
 * </ul>
 *
 * <p>Methods are thread-safe. Reads may block on I/O: call them from virtual threads, never from an
 * event loop.
 */
public interface MessageStore {

  /**
   * Appends a message, allocating its seq, with its {@link NewMessage#options} (reply, mentions,
   * forward); also marks the conversation read up to it for the sender. Direct and system
   * conversations are created with their members on first append. Fails with {@link
   * WarblerException} (UNAVAILABLE) when the store is overloaded or closed.
   */
  CompletableFuture<AppendResult> append(NewMessage message);

  /** The message with this seq, as it is now (recalled, edited, reactions); empty if none. */
  Optional<ChatMessage> message(String app, ConversationId conversation, long seq);

  /** Messages with seq greater than {@code afterSeq}, oldest first, at most {@code limit}. */
  MessagePage after(String app, ConversationId conversation, long afterSeq, int limit);

  /**
   * The newest {@code limit} messages with seq less than {@code beforeSeq} (any seq when it is
   * {@code Long.MAX_VALUE}), returned oldest first; {@code more} if older ones remain.
   */
  MessagePage before(String app, ConversationId conversation, long beforeSeq, int limit);

  /**
   * The user's conversations whose change position is greater than {@code cursor}, in change order,
   * at most {@code limit}. The returned cursor is the last included change position (or {@code
   * cursor} when nothing changed).
   */
  SyncPage changedSince(String app, String user, long cursor, int limit);

  /**
   * The user's state in one conversation, if the user is a member of it. Its unread count leaves
   * out the user's own messages and CHANGE entries; {@code mentioned} says whether an unread one
   * mentions the user or everyone; its last message is the newest that is not a CHANGE entry. The
   * same holds for the states {@link #changedSince} returns.
   */
  Optional<ConversationState> state(String app, String user, ConversationId conversation);

  /**
   * Raises the user's read position to {@code seq} (capped at the last seq; never lowered) and
   * returns the resulting state. Empty if the user is not a member.
   */
  Optional<ConversationState> markRead(
      String app, String user, ConversationId conversation, long seq);
}
