package dev.warbler.core.messaging;

import java.util.List;
import java.util.Optional;

/**
 * A message's lifecycle state. What it was sent with: {@code replyTo} (0 = none), {@code mentions},
 * {@code mentionAll}, {@code forwardedFrom} ({@code CONVERSATION#SEQ}, empty = none). What happened
 * to it since: {@code recalled}, {@code editedAt} (0 = never), {@code reactions} (counts per emoji,
 * first reaction first). {@code change} is present on {@link MessageType#CHANGE} entries only.
 * {@code deletedForMe} marks the tombstone a user sees for a message it deleted for itself. {@code
 * undecryptable} marks a message whose stored body could not be decrypted (encryption at rest, ADR
 * 0011): its text and payload are empty.
 */
public record MessageExtras(
    long replyTo,
    List<String> mentions,
    boolean mentionAll,
    String forwardedFrom,
    Optional<MessageChange> change,
    boolean recalled,
    long editedAt,
    List<ReactionCount> reactions,
    boolean deletedForMe,
    boolean undecryptable) {

  public static final MessageExtras NONE =
      new MessageExtras(0, List.of(), false, "", Optional.empty(), false, 0, List.of(), false);

  static final MessageExtras DELETED_FOR_ME =
      new MessageExtras(0, List.of(), false, "", Optional.empty(), false, 0, List.of(), true);

  public MessageExtras {
    mentions = List.copyOf(mentions);
    reactions = List.copyOf(reactions);
  }

  /** Extras of a message whose body is readable. */
  public MessageExtras(
      long replyTo,
      List<String> mentions,
      boolean mentionAll,
      String forwardedFrom,
      Optional<MessageChange> change,
      boolean recalled,
      long editedAt,
      List<ReactionCount> reactions,
      boolean deletedForMe) {
    this(
        replyTo,
        mentions,
        mentionAll,
        forwardedFrom,
        change,
        recalled,
        editedAt,
        reactions,
        deletedForMe,
        false);
  }

  /** The same extras marking an undecryptable body; {@code newChange} replaces the change. */
  public MessageExtras undecryptable(Optional<MessageChange> newChange) {
    return new MessageExtras(
        replyTo,
        mentions,
        mentionAll,
        forwardedFrom,
        newChange,
        recalled,
        editedAt,
        reactions,
        deletedForMe,
        true);
  }

  /** The same extras with another change (for decrypting an edit entry's body). */
  public MessageExtras withChange(Optional<MessageChange> newChange) {
    return new MessageExtras(
        replyTo,
        mentions,
        mentionAll,
        forwardedFrom,
        newChange,
        recalled,
        editedAt,
        reactions,
        deletedForMe,
        undecryptable);
  }

  /** The extras of a message just sent with {@code options}. */
  public static MessageExtras sent(SendOptions options) {
    return new MessageExtras(
        options.replyTo(),
        options.mentions(),
        options.mentionAll(),
        options.forwardedFrom(),
        Optional.empty(),
        false,
        0,
        List.of(),
        false);
  }

  public MessageExtras withReactions(List<ReactionCount> newReactions) {
    return new MessageExtras(
        replyTo,
        mentions,
        mentionAll,
        forwardedFrom,
        change,
        recalled,
        editedAt,
        newReactions,
        deletedForMe,
        undecryptable);
  }
}
