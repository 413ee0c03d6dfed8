package dev.warbler.core.messaging;

/**
 * What a {@link MessageType#CHANGE} entry records: an action on the earlier message {@code
 * targetSeq} of the same conversation. The target's stored state already includes it.
 */
public record MessageChange(long targetSeq, Action action) {

  /** The closed set of changes. */
  public sealed interface Action {
    /** The message was recalled: its text, payload, mentions and reactions are gone. */
    record Recall() implements Action {}

    /** The message's text and payload were replaced at {@code editedAt}. */
    record Edit(String text, String payload, long editedAt) implements Action {}

    /**
     * The entry's sender added ({@code added}) or removed a reaction; {@code count} users react
     * with {@code emoji} afterwards.
     */
    record Reaction(String emoji, boolean added, long count) implements Action {}
  }
}
