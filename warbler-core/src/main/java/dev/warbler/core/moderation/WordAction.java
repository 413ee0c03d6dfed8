package dev.warbler.core.moderation;

import java.util.Locale;

/**
 * What a matched word does to a message. When several words match, the strongest action wins:
 * {@link #REJECT} over {@link #REVIEW} over {@link #MASK}.
 */
public enum WordAction {
  /** The matched characters are replaced by the mask character; the masked text is stored. */
  MASK,
  /** The message is stored and delivered unchanged and put in the app's review queue. */
  REVIEW,
  /** The send fails with CONTENT_REJECTED, naming the word's category but not the word. */
  REJECT;

  /** The wire name: {@code mask}, {@code review} or {@code reject}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action of a wire name, case-insensitive; empty for anything else. */
  public static java.util.Optional<WordAction> parse(String name) {
    for (WordAction a : values()) {
      if (a.wireName().equalsIgnoreCase(name)) {
        return java.util.Optional.of(a);
      }
    }
    return java.util.Optional.empty();
  }
}
