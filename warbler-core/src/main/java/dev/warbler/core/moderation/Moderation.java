package dev.warbler.core.moderation;

import dev.warbler.core.Caller;
import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ContentFilter;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.spi.ModerationStore;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sensitive-word filter of every app: word lists and settings (managed by the app backend), and
 * the {@link ContentFilter} that checks what users send.
 *
 * <p>Each app's list is compiled into a {@link WordFilter} once per list version and kept in a map;
 * the send path only reads that map (no I/O, no locks), so an app without a list costs one map
 * lookup. A change made through this node recompiles the app's filter before the call returns;
 * changes made through other nodes (they share the store) are picked up by {@link #refresh}, which
 * the server runs every {@code moderation.refresh-millis}: one read of every app's version, and a
 * reload of the apps whose version moved.
 *
 * <p>Thread-safe.
 */
public final class Moderation implements ContentFilter {
  private static final Logger log = LoggerFactory.getLogger(Moderation.class);

  /** One word to add, as the app gave it. */
  public record WordInput(String word, Optional<WordAction> action, String category) {}

  private final ModerationStore store;
  private final Audit audit;
  private final InstantSource clock;
  private final ModerationLimits limits;
  private final ConcurrentHashMap<String, WordFilter> filters = new ConcurrentHashMap<>();

  public Moderation(
      ModerationStore store, Audit audit, InstantSource clock, ModerationLimits limits) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.limits = limits;
  }

  public ModerationLimits limits() {
    return limits;
  }

  // ---- the send path

  @Override
  public Screened screen(String app, String sender, ConversationId conversation, String text) {
    WordFilter filter = filters.get(app);
    if (filter == null || filter.isEmpty()) {
      return Screened.pass(text);
    }
    Verdict verdict = filter.check(text, limits.maskCharacter());
    if (verdict.action().isEmpty()) {
      return Screened.pass(text);
    }
    return switch (verdict.action().get()) {
      case MASK -> Screened.pass(verdict.text());
      case REJECT ->
          throw new WarblerException(
              ErrorCode.CONTENT_REJECTED,
              "the message contains a word the app does not allow"
                  + (verdict.categories().isEmpty()
                      ? ""
                      : " (category " + String.join(", ", verdict.categories()) + ")"));
      case REVIEW ->
          new Screened(verdict.text(), message -> queueForReview(message, verdict.categories()));
    };
  }

  private void queueForReview(ChatMessage m, List<String> categories) {
    store.addReview(
        new ReviewItem(
            m.app(),
            m.id(),
            m.conversation(),
            m.seq(),
            m.sender(),
            categories,
            ReviewStatus.PENDING,
            clock.millis(),
            0,
            ""));
  }

  /** The compiled filter the send path uses for {@code app} now. */
  public WordFilter filter(String app) {
    return filters.getOrDefault(app, WordFilter.EMPTY);
  }

  /**
   * Reloads every app whose list version differs from the compiled one; returns how many were
   * reloaded. Called at start (before the node serves) and then periodically.
   */
  public int refresh() {
    Map<String, Long> versions = store.versions();
    int reloaded = 0;
    for (Map.Entry<String, Long> e : versions.entrySet()) {
      WordFilter current = filters.get(e.getKey());
      if (current == null || current.version() != e.getValue()) {
        reload(e.getKey(), e.getValue());
        reloaded++;
      }
    }
    return reloaded;
  }

  /**
   * Compiles the app's list, tagged with {@code version} as read before the words: the tag is never
   * newer than the words, so a change that races with the load is reloaded by the next refresh.
   */
  private void reload(String app, long version) {
    ModerationSettings settings = store.settings(app);
    WordFilter filter =
        settings.enabled() ? new WordFilter(version, store.allWords(app)) : emptyAt(version);
    filters.merge(app, filter, (old, fresh) -> fresh.version() >= old.version() ? fresh : old);
    log.debug("moderation list of app {} at version {}: {} words", app, version, filter.size());
  }

  private static WordFilter emptyAt(long version) {
    return new WordFilter(version, List.of());
  }

  // ---- management (app backend)

  public ModerationSettings settings(String app) {
    return store.settings(app);
  }

  public ModerationSettings putSettings(Caller caller, ModerationSettings settings) {
    long version = store.putSettings(caller.app(), settings);
    reload(caller.app(), version);
    audit.recordDurably(
        caller.app(),
        caller.actor(),
        caller.address(),
        Audit.MODERATION_SETTINGS,
        "",
        "enabled=" + settings.enabled() + " defaultAction=" + settings.defaultAction().wireName());
    return settings;
  }

  /** Adds or replaces words; LIMIT_EXCEEDED when the request or the app's list gets too long. */
  public ModerationStore.Change addWords(Caller caller, List<WordInput> inputs) {
    List<SensitiveWord> words = check(caller.app(), inputs);
    ModerationStore.Change change = store.addWords(caller.app(), words, limits.maxWordsPerApp());
    if (change.changed() < 0) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "an app's word list may hold at most "
              + limits.maxWordsPerApp()
              + " words (moderation.max-words-per-app) but would hold "
              + change.total()
              + "; nothing was added");
    }
    changed(caller, Audit.MODERATION_WORDS_ADD, change);
    return change;
  }

  /** Replaces the whole list (an import); an empty list clears it. */
  public ModerationStore.Change replaceWords(Caller caller, List<WordInput> inputs) {
    List<SensitiveWord> words = check(caller.app(), inputs);
    if (words.size() > limits.maxWordsPerApp()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "an app's word list may hold at most "
              + limits.maxWordsPerApp()
              + " words (moderation.max-words-per-app) but the import has "
              + words.size());
    }
    ModerationStore.Change change = store.replaceWords(caller.app(), words);
    changed(caller, Audit.MODERATION_WORDS_REPLACE, change);
    return change;
  }

  /** Deletes words, given as the app wrote them or normalised; unknown ones are ignored. */
  public ModerationStore.Change deleteWords(Caller caller, List<String> raw) {
    requireCount(raw.size());
    List<String> words = new ArrayList<>();
    for (String w : raw) {
      words.add(normalizeWord(w));
    }
    ModerationStore.Change change = store.deleteWords(caller.app(), words);
    changed(caller, Audit.MODERATION_WORDS_DELETE, change);
    return change;
  }

  public List<SensitiveWord> words(
      String app, String after, String prefix, String category, int limit) {
    String normalizedPrefix = prefix.isEmpty() ? "" : TextNormalizer.normalizeWord(prefix);
    return store.words(app, after, normalizedPrefix, category, limit);
  }

  /** Every word of the app (an export). */
  public List<SensitiveWord> allWords(String app) {
    return store.allWords(app);
  }

  private void changed(Caller caller, String action, ModerationStore.Change change) {
    reload(caller.app(), change.version());
    audit.recordDurably(
        caller.app(),
        caller.actor(),
        caller.address(),
        action,
        "",
        change.changed() + " words changed, " + change.total() + " in the list");
  }

  private void requireCount(int count) {
    if (count == 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "words must not be empty");
    }
    if (count > limits.maxWordsPerRequest()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "one request may carry at most "
              + limits.maxWordsPerRequest()
              + " words (moderation.max-words-per-request) but has "
              + count);
    }
  }

  private List<SensitiveWord> check(String app, List<WordInput> inputs) {
    if (!inputs.isEmpty()) {
      requireCount(inputs.size());
    }
    WordAction fallback = store.settings(app).defaultAction();
    long now = clock.millis();
    Map<String, SensitiveWord> byWord = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      WordInput in = inputs.get(i);
      String word = normalizeWord(in.word());
      String category = in.category();
      if (category.length() > limits.maxCategoryChars()
          || TextNormalizer.hasUnpairedSurrogate(category)
          || category.chars().anyMatch(Character::isISOControl)) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "words["
                + i
                + "].category must be at most "
                + limits.maxCategoryChars()
                + " characters (moderation.max-category-chars) without control characters");
      }
      byWord.put(word, new SensitiveWord(word, in.action().orElse(fallback), category, now));
    }
    return List.copyOf(byWord.values());
  }

  private String normalizeWord(String raw) {
    if (raw.length() > limits.maxWordChars()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "a word may have at most "
              + limits.maxWordChars()
              + " characters (moderation.max-word-chars) but one has "
              + raw.length());
    }
    if (TextNormalizer.hasUnpairedSurrogate(raw)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "a word holds an unpaired surrogate (invalid UTF-16)");
    }
    String word = TextNormalizer.normalizeWord(raw);
    if (word.isEmpty()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "a word needs at least one letter or digit; separators (spaces, punctuation, symbols)"
              + " are skipped when matching");
    }
    return word;
  }
}
