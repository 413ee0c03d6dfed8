package dev.warbler.core.moderation;

import dev.warbler.core.messaging.ConversationId;
import java.util.List;
import java.util.Objects;

/**
 * A stored message that matched a {@link WordAction#REVIEW} word. It refers to the message and
 * holds no text (the text stays in the message store, encrypted at rest where the app is).
 *
 * @param id the message id (a message is queued at most once)
 * @param categories the categories of the words that matched, sorted
 * @param decidedBy who decided ({@code app:ID} or {@code admin}); empty while pending
 */
public record ReviewItem(
    String app,
    String id,
    ConversationId conversation,
    long seq,
    String sender,
    List<String> categories,
    ReviewStatus status,
    long createdAt,
    long decidedAt,
    String decidedBy) {
  public ReviewItem {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(conversation, "conversation");
    Objects.requireNonNull(sender, "sender");
    categories = List.copyOf(categories);
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(decidedBy, "decidedBy");
  }
}
