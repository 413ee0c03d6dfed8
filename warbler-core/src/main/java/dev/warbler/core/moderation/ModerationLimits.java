package dev.warbler.core.moderation;

/**
 * The filter's limits, each a server setting ({@code moderation.*}).
 *
 * @param maxWordChars the longest word (chars as given, before normalisation)
 * @param maxCategoryChars the longest category
 * @param maxWordsPerRequest words one add or replace request may carry
 * @param maxWordsPerApp words one app's list may hold
 * @param maskCharacter what replaces each masked character
 */
public record ModerationLimits(
    int maxWordChars,
    int maxCategoryChars,
    int maxWordsPerRequest,
    int maxWordsPerApp,
    char maskCharacter) {
  public static final ModerationLimits DEFAULTS = new ModerationLimits(64, 32, 1000, 20_000, '*');

  public ModerationLimits {
    positive("max word chars", maxWordChars);
    positive("max category chars", maxCategoryChars);
    positive("max words per request", maxWordsPerRequest);
    positive("max words per app", maxWordsPerApp);
    if (Character.isSurrogate(maskCharacter) || Character.isISOControl(maskCharacter)) {
      throw new IllegalArgumentException(
          "mask character must be a printable character but was U+"
              + Integer.toHexString(maskCharacter));
    }
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
