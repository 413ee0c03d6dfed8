package dev.warbler.core.spi;

import dev.warbler.core.moderation.ModerationSettings;
import dev.warbler.core.moderation.ReviewItem;
import dev.warbler.core.moderation.ReviewStatus;
import dev.warbler.core.moderation.SensitiveWord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-app sensitive-word lists, filter settings and review queues. Every change to an app's words
 * or settings advances the app's list version in the same transaction, so a node that sees a new
 * version (one cheap read for all apps, {@link #versions}) knows to reload that app. Writes are
 * durable when the method returns; thread-safe; may block on I/O.
 */
public interface ModerationStore {

  /** The outcome of a list change: rows changed, the new version and the words the app now has. */
  record Change(int changed, long version, int total) {}

  /** Every app whose list or settings ever changed, with its current version (at least 1). */
  Map<String, Long> versions();

  /** The app's settings; {@link ModerationSettings#DEFAULTS} when it never set any. */
  ModerationSettings settings(String app);

  /** Replaces the app's settings; advances the version. */
  long putSettings(String app, ModerationSettings settings);

  /**
   * Adds or replaces (by word) {@code words}, unless the app would then hold more than {@code
   * maxTotal} words: then nothing is written and the change has {@code changed} -1 and the total
   * the app would have had.
   */
  Change addWords(String app, List<SensitiveWord> words, int maxTotal);

  /** Deletes the given words (normalised forms); absent ones are ignored. */
  Change deleteWords(String app, List<String> words);

  /** Replaces the app's whole list with {@code words} (the caller checked their number). */
  Change replaceWords(String app, List<SensitiveWord> words);

  /**
   * A page of the app's words sorted by word, after {@code after} (exclusive; empty for the first
   * page), starting with {@code prefix} (may be empty) and, when {@code category} is not empty, of
   * that category.
   */
  List<SensitiveWord> words(String app, String after, String prefix, String category, int limit);

  /** Every word of the app, sorted by word. */
  List<SensitiveWord> allWords(String app);

  /** Queues a review item; a second item for the same message id is ignored. */
  void addReview(ReviewItem item);

  /** A page of the app's items of {@code status}, oldest first, after id {@code after}. */
  List<ReviewItem> reviews(String app, ReviewStatus status, String after, int limit);

  Optional<ReviewItem> review(String app, String id);

  /**
   * Decides a pending item; false (and no change) when it is not pending any more, so two reviewers
   * cannot both decide one item.
   */
  boolean decide(String app, String id, ReviewStatus status, long decidedAt, String decidedBy);
}
