package dev.warbler.core.messaging;

import java.util.Objects;

/**
 * A check of the text of every message a user sends or edits, before it is stored: it may let the
 * text pass, replace it (masking), refuse the send (by throwing {@link
 * dev.warbler.core.WarblerException}) or ask for a follow-up once the message is stored (queueing
 * it for review). The sensitive-word filter ({@link dev.warbler.core.moderation.Moderation}) is
 * one; a before-send hook (an app's own service, image moderation) is meant to plug in here as
 * another, composed with {@link #then}.
 *
 * <p>Called on the send path for every user message: must be thread-safe, must not block on I/O for
 * apps it has nothing to check, and should be cheap for the others. Messages sent by the system (an
 * app backend) are not checked; payloads are not checked.
 */
@FunctionalInterface
public interface ContentFilter {
  /** Lets everything pass. */
  ContentFilter NONE = (app, sender, conversation, text) -> Screened.pass(text);

  /**
   * Screens {@code text} that user {@code sender} sends to {@code conversation} of {@code app}.
   *
   * @throws dev.warbler.core.WarblerException to refuse the message (e.g. CONTENT_REJECTED)
   */
  Screened screen(String app, String sender, ConversationId conversation, String text);

  /** This filter, then {@code next} on the text this one let through. */
  default ContentFilter then(ContentFilter next) {
    return (app, sender, conversation, text) -> {
      Screened first = screen(app, sender, conversation, text);
      Screened second = next.screen(app, sender, conversation, first.text());
      return new Screened(second.text(), first.afterStored().andThen(second.afterStored()));
    };
  }

  /** Work to do once the screened message is stored (never for a duplicate send). */
  @FunctionalInterface
  interface AfterStored {
    AfterStored NONE = message -> {};

    /**
     * Runs on a virtual thread after the message (or, for an edit, the edited message) is durable
     * and before the sender is acknowledged; may block. A failure fails the ack, not the stored
     * message.
     */
    void stored(ChatMessage message);

    default AfterStored andThen(AfterStored next) {
      if (this == NONE) {
        return next;
      }
      if (next == NONE) {
        return this;
      }
      return message -> {
        stored(message);
        next.stored(message);
      };
    }
  }

  /** The text to store and what to do once it is stored. */
  record Screened(String text, AfterStored afterStored) {
    public Screened {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(afterStored, "afterStored");
    }

    public static Screened pass(String text) {
      return new Screened(text, AfterStored.NONE);
    }
  }
}
