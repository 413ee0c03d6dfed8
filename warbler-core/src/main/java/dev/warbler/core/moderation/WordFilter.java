package dev.warbler.core.moderation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One version of an app's word list, compiled: built once per version, then shared read-only by
 * every sending thread (immutable, no locks on the send path).
 */
public final class WordFilter {
  /** The filter of an app without words, or with the filter disabled: matches nothing. */
  public static final WordFilter EMPTY = new WordFilter(0, List.of());

  private final long version;
  private final List<SensitiveWord> words;
  private final WordMatcher matcher;

  /** Compiles {@code words} (already normalised, as stored) as list version {@code version}. */
  public WordFilter(long version, List<SensitiveWord> words) {
    this.version = version;
    this.words = List.copyOf(words);
    this.matcher = new WordMatcher(this.words.stream().map(SensitiveWord::word).toList());
  }

  /** The list version this filter was built from. */
  public long version() {
    return version;
  }

  public int size() {
    return words.size();
  }

  public boolean isEmpty() {
    return words.isEmpty();
  }

  /**
   * Checks {@code text}: its normalised form is matched against every word; {@link WordAction#MASK}
   * matches are replaced in the original text by {@code mask}, one mask per original code point
   * that took part in the match (separators between the matched characters stay).
   */
  public Verdict check(String text, char mask) {
    if (words.isEmpty() || text.isEmpty()) {
      return Verdict.clean(text);
    }
    TextNormalizer.Normalized n = TextNormalizer.normalize(text);
    List<WordMatcher.Match> matches = matcher.findAll(n.chars(), n.length());
    if (matches.isEmpty()) {
      return Verdict.clean(text);
    }
    WordAction strongest = WordAction.MASK;
    for (WordMatcher.Match m : matches) {
      WordAction a = words.get(m.word()).action();
      if (a.compareTo(strongest) > 0) {
        strongest = a;
      }
    }
    TreeSet<String> categories = new TreeSet<>();
    boolean[] masked = null;
    for (WordMatcher.Match m : matches) {
      SensitiveWord w = words.get(m.word());
      if (w.action() == strongest && !w.category().isEmpty()) {
        categories.add(w.category());
      }
      if (w.action() == WordAction.MASK) {
        if (masked == null) {
          masked = new boolean[text.length()];
        }
        for (int i = m.start(); i < m.end(); i++) {
          for (int j = n.from()[i]; j < n.to()[i]; j++) {
            masked[j] = true;
          }
        }
      }
    }
    String out = masked == null ? text : mask(text, masked, mask);
    return new Verdict(Optional.of(strongest), out, new ArrayList<>(categories), matches.size());
  }

  private static String mask(String text, boolean[] masked, char mask) {
    StringBuilder b = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      int len = Character.charCount(cp);
      if (masked[i]) {
        b.append(mask);
      } else {
        b.appendCodePoint(cp);
      }
      i += len;
    }
    return b.toString();
  }
}
