package dev.warbler.core.moderation;

import java.util.Objects;

/**
 * One entry of an app's word list.
 *
 * @param word the word in normalised form ({@link TextNormalizer#normalizeWord}): the list key
 * @param action what a match does
 * @param category a free label the app chooses (e.g. {@code politics}, {@code ads}); may be empty;
 *     a rejected sender is told the category, never the word
 * @param addedAt when the word was added or last replaced (epoch ms)
 */
public record SensitiveWord(String word, WordAction action, String category, long addedAt) {
  public SensitiveWord {
    Objects.requireNonNull(word, "word");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(category, "category");
    if (word.isEmpty()) {
      throw new IllegalArgumentException("a sensitive word must not be empty");
    }
  }
}
