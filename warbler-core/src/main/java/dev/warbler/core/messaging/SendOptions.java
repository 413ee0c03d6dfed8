package dev.warbler.core.messaging;

import java.util.List;

/**
 * What a message may carry besides its body: the seq it replies to (0 = none), the users it
 * mentions, whether it mentions everyone, and the {@code CONVERSATION#SEQ} it forwards (empty =
 * none). Validated by {@link Messenger#send}.
 */
public record SendOptions(
    long replyTo, List<String> mentions, boolean mentionAll, String forwardedFrom) {
  public static final SendOptions NONE = new SendOptions(0, List.of(), false, "");

  public SendOptions {
    mentions = List.copyOf(mentions);
  }

  public SendOptions withForwardedFrom(String from) {
    return new SendOptions(replyTo, mentions, mentionAll, from);
  }
}
