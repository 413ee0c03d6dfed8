package dev.warbler.sdk;

import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageChange;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.ReactionCount;
import java.util.ArrayList;
import java.util.List;

/**
 * How a client applies a {@code CHANGE} entry to the message it targets, so that a conversation
 * held on a device shows the same state as the server's history. Pure functions, thread-safe.
 *
 * <pre>{@code
 * void onMessage(Message m) {
 *   if (m.getType() == MessageType.CHANGE) {
 *     Message target = byConversationAndSeq(m.getConversation(), m.getChange().getTargetSeq());
 *     if (target != null) store(MessageChanges.apply(target, m));
 *   } else {
 *     store(m);
 *   }
 * }
 * }</pre>
 */
public final class MessageChanges {
  private MessageChanges() {}

  /**
   * {@code target} with {@code change} applied. A recall clears text, payload, mentions and
   * reactions and sets {@code recalled}; an edit replaces text and payload and sets {@code
   * edited_at}; a reaction sets that emoji's count (dropping it at 0) and, when the change's sender
   * is {@code reader}, its {@code mine} flag. Returns {@code target} unchanged when {@code change}
   * is not a CHANGE entry for it, when the target is a tombstone, or when it is recalled (a pulled
   * message already shows every change before the recall).
   *
   * <p>Applying a conversation's entries in seq order converges to the server's state even when the
   * target was pulled after some of them (a later entry sets what an earlier one set).
   *
   * @param reader the user this client acts as, for {@code ReactionCount.mine}; empty when unknown
   */
  public static Message apply(Message target, Message change, String reader) {
    if (change.getType() != MessageType.CHANGE
        || !change.hasChange()
        || !change.getConversation().equals(target.getConversation())
        || change.getChange().getTargetSeq() != target.getSeq()
        || target.getDeletedForMe()) {
      return target;
    }
    MessageChange c = change.getChange();
    if (target.getRecalled() && c.getActionCase() != MessageChange.ActionCase.RECALL) {
      // Nothing changes a recalled message; an older entry met after pulling it is stale.
      return target;
    }
    return switch (c.getActionCase()) {
      case RECALL ->
          target.toBuilder()
              .setRecalled(true)
              .clearText()
              .clearPayload()
              .clearMentions()
              .clearMentionAll()
              .clearReactions()
              .build();
      case EDIT ->
          target.toBuilder()
              .setText(c.getEdit().getText())
              .setPayload(c.getEdit().getPayload())
              .setEditedAt(c.getEdit().getEditedAt())
              .build();
      case REACTION -> {
        String emoji = c.getReaction().getEmoji();
        boolean byReader = !reader.isEmpty() && reader.equals(change.getFrom());
        List<ReactionCount> counts = new ArrayList<>();
        boolean seen = false;
        for (ReactionCount r : target.getReactionsList()) {
          if (r.getEmoji().equals(emoji)) {
            seen = true;
            counts.add(
                r.toBuilder()
                    .setCount(c.getReaction().getCount())
                    .setMine(byReader ? c.getReaction().getAdded() : r.getMine())
                    .build());
          } else {
            counts.add(r);
          }
        }
        if (!seen) {
          counts.add(
              ReactionCount.newBuilder()
                  .setEmoji(emoji)
                  .setCount(c.getReaction().getCount())
                  .setMine(byReader && c.getReaction().getAdded())
                  .build());
        }
        counts.removeIf(r -> r.getCount() <= 0);
        yield target.toBuilder().clearReactions().addAllReactions(counts).build();
      }
      case ACTION_NOT_SET -> target;
    };
  }

  /** As {@link #apply(Message, Message, String)} without a reader: {@code mine} stays as it was. */
  public static Message apply(Message target, Message change) {
    return apply(target, change, "");
  }
}
