package dev.warbler.core.moderation;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the filter decided about one text.
 *
 * @param action the strongest action of the words that matched; empty when none matched
 * @param text the text to store: the original with {@link WordAction#MASK} words masked
 * @param categories the categories of the matched words of the strongest action, sorted, without
 *     duplicates or empty ones
 * @param words how many occurrences matched, of any action
 */
public record Verdict(
    Optional<WordAction> action, String text, List<String> categories, int words) {
  public Verdict {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(text, "text");
    categories = List.copyOf(categories);
  }

  /** A text nothing matched in. */
  public static Verdict clean(String text) {
    return new Verdict(Optional.empty(), text, List.of(), 0);
  }
}
