package dev.warbler.core.spi;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.Messenger;

/**
 * A checked change to the message {@code targetSeq} of a conversation, made by {@code actor} (a
 * user id, or {@link Messenger#SYSTEM_SENDER} for an app backend) at {@code at}. {@code id} becomes
 * the id of the CHANGE entry that records it. Permissions are the caller's business; the store
 * applies what must be decided atomically (see {@link MessageLifecycleStore#change}).
 */
public record ChangeRequest(
    String app,
    ConversationId conversation,
    long targetSeq,
    String actor,
    String id,
    long at,
    Kind kind) {

  /** The closed set of changes. */
  public sealed interface Kind {
    record Recall() implements Kind {}

    /** Replace the text and payload (already validated against the message's type). */
    record Edit(String text, String payload) implements Kind {}

    /**
     * Add or remove the actor's reaction; adding a new emoji fails with LIMIT_EXCEEDED when the
     * message already has {@code maxKinds} distinct ones.
     */
    record React(String emoji, boolean remove, int maxKinds) implements Kind {}
  }
}
