package dev.warbler.core.spi;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ConversationId;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where the message lifecycle lives next to the {@link MessageStore}: changes to stored messages
 * (recall, edit, reactions), and the messages each user deleted for itself.
 *
 * <p>Guarantees every implementation must keep (proved by the lifecycle store contract test):
 *
 * <ul>
 *   <li><b>Atomic change.</b> {@link #change} updates the target message and appends the {@link
 *       MessageType#CHANGE} entry recording it in one durable step: a reader sees both or neither.
 *   <li><b>Same stream.</b> The entry gets the next seq of the conversation like any append, moves
 *       the conversation's change position (so sync reports it), reaches the store's append
 *       listener in seq order, and does not move the actor's read position.
 *   <li><b>Idempotent.</b> A change that would change nothing (recalling a recalled message, adding
 *       a reaction the actor already has, removing one it has not) appends nothing and returns the
 *       target as it is with {@code duplicate = true}.
 * </ul>
 *
 * <p>Methods are thread-safe. Reads may block on I/O: call them from virtual threads.
 */
public interface MessageLifecycleStore {

  /**
   * Applies a change and appends its CHANGE entry (sender = the actor). Fails with {@link
   * WarblerException}: MESSAGE_NOT_FOUND when the target does not exist, INVALID_ARGUMENT when it
   * is a CHANGE entry, FORBIDDEN when editing or reacting to a recalled message, LIMIT_EXCEEDED
   * when a new emoji would pass {@link ChangeRequest.Kind.React#maxKinds}, UNAVAILABLE when
   * overloaded.
   *
   * <p>A recall clears the target's text, payload, mentions and reactions and sets its recalled
   * flag; an edit replaces its text and payload and sets its edit time to {@link ChangeRequest#at};
   * a reaction updates its counts.
   */
  CompletableFuture<AppendResult> change(ChangeRequest request);

  /**
   * Hides a message from one user's reads (the seq stays: readers get a tombstone); durable when it
   * returns. False if it was already hidden.
   */
  boolean hide(String app, String user, ConversationId conversation, long seq);

  /** Which of {@code seqs} the user has hidden in the conversation. */
  Set<Long> hidden(String app, String user, ConversationId conversation, Collection<Long> seqs);

  /** The emoji the user reacts with, per message seq, for seqs in {@code [fromSeq, toSeq]}. */
  Map<Long, Set<String>> reactionsOf(
      String app, String user, ConversationId conversation, long fromSeq, long toSeq);
}
