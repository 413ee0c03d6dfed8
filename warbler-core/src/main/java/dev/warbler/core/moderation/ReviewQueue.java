package dev.warbler.core.moderation;

import dev.warbler.core.Caller;
import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.ModerationStore;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The review queue of an app: messages that matched a {@link WordAction#REVIEW} word were stored
 * and delivered, and wait here for the app's reviewer. Approving keeps the message; rejecting
 * recalls it through the ordinary recall path (every member sees the recall) as the app backend.
 * Both decisions are audited. Thread-safe; blocks on the store.
 */
public final class ReviewQueue {
  /** An item with the message it refers to (empty when the message is gone). */
  public record Entry(ReviewItem item, Optional<ChatMessage> message) {}

  private final ModerationStore store;
  private final MessageStore messages;
  private final MessageLifecycle lifecycle;
  private final Audit audit;
  private final InstantSource clock;

  public ReviewQueue(
      ModerationStore store,
      MessageStore messages,
      MessageLifecycle lifecycle,
      Audit audit,
      InstantSource clock) {
    this.store = store;
    this.messages = messages;
    this.lifecycle = lifecycle;
    this.audit = audit;
    this.clock = clock;
  }

  /** A page of the app's items of {@code status}, oldest first, each with its message. */
  public List<Entry> list(String app, ReviewStatus status, String after, int limit) {
    List<Entry> out = new ArrayList<>();
    for (ReviewItem item : store.reviews(app, status, after, limit)) {
      out.add(new Entry(item, messages.message(app, item.conversation(), item.seq())));
    }
    return out;
  }

  /** Keeps the message; NOT_FOUND for an unknown item, ALREADY_EXISTS when it was decided. */
  public Entry approve(Caller caller, String id) {
    ReviewItem item = decide(caller, id, ReviewStatus.APPROVED);
    audit.recordDurably(
        caller.app(),
        caller.actor(),
        caller.address(),
        Audit.MODERATION_REVIEW_APPROVE,
        item.conversation() + "#" + item.seq(),
        "review " + id);
    return entry(item);
  }

  /** Recalls the message (as the app backend) and marks the item rejected. */
  public Entry reject(Caller caller, String id) {
    ReviewItem item = decide(caller, id, ReviewStatus.REJECTED);
    ChatMessage message =
        messages.message(caller.app(), item.conversation(), item.seq()).orElse(null);
    if (message != null && !message.extras().recalled()) {
      lifecycle.recallAsSystem(caller.app(), item.conversation(), item.seq()).join();
    }
    audit.recordDurably(
        caller.app(),
        caller.actor(),
        caller.address(),
        Audit.MODERATION_REVIEW_REJECT,
        item.conversation() + "#" + item.seq(),
        "review " + id + "; message recalled");
    return entry(item);
  }

  private Entry entry(ReviewItem decided) {
    ReviewItem item = store.review(decided.app(), decided.id()).orElse(decided);
    return new Entry(item, messages.message(item.app(), item.conversation(), item.seq()));
  }

  private ReviewItem decide(Caller caller, String id, ReviewStatus status) {
    ReviewItem item =
        store
            .review(caller.app(), id)
            .orElseThrow(() ->
                new WarblerException(
                    ErrorCode.NOT_FOUND,
                    "review item '" + dev.warbler.core.Ids.clip(id) + "' does not exist"));
    if (!store.decide(caller.app(), id, status, clock.millis(), caller.actor())) {
      throw new WarblerException(
          ErrorCode.ALREADY_EXISTS, "review item '" + id + "' was already decided");
    }
    return item;
  }
}
