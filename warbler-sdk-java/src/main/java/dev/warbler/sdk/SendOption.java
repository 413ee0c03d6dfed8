package dev.warbler.sdk;

import dev.warbler.protocol.v1.Send;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Something a message carries besides its body: a reply to an earlier message, mentions. Pass to
 * {@link WarblerClient#sendTo}; the same fields can be set on a {@link Send} builder directly.
 */
public final class SendOption {
  private final Consumer<Send.Builder> apply;

  private SendOption(Consumer<Send.Builder> apply) {
    this.apply = apply;
  }

  /** Quotes message {@code seq} of the same conversation (which must exist). */
  public static SendOption replyTo(long seq) {
    if (seq <= 0) {
      throw new IllegalArgumentException("reply_to must be positive but was " + seq);
    }
    return new SendOption(b -> b.setReplyTo(seq));
  }

  /** Mentions members of the conversation (at most the server's limits.max-mentions). */
  public static SendOption mention(String... users) {
    List<String> list = List.of(users);
    list.forEach(u -> Objects.requireNonNull(u, "mentioned user"));
    return new SendOption(b -> b.addAllMentions(list));
  }

  /** Mentions everyone in the conversation (@all). */
  public static SendOption mentionAll() {
    return new SendOption(b -> b.setMentionAll(true));
  }

  void applyTo(Send.Builder send) {
    apply.accept(send);
  }
}
