package dev.warbler.core.messaging;

/**
 * Limits of the message lifecycle, each a named configuration value (see {@code warbler config
 * defaults}).
 *
 * @param recallWindowSeconds how long a sender may recall its message (0: only moderators can);
 *     bounds how long a message others have read can vanish
 * @param editWindowSeconds how long a sender may edit its message (0: never)
 * @param maxMentions users one message may mention; bounds the mention rows per message
 * @param maxReactionKinds distinct emoji per message; bounds the reaction list shown with it
 */
public record LifecycleLimits(
    int recallWindowSeconds, int editWindowSeconds, int maxMentions, int maxReactionKinds) {

  public static final LifecycleLimits DEFAULTS = new LifecycleLimits(120, 86_400, 50, 50);

  public LifecycleLimits {
    notNegative("recall window seconds", recallWindowSeconds);
    notNegative("edit window seconds", editWindowSeconds);
    notNegative("max mentions", maxMentions);
    if (maxReactionKinds <= 0) {
      throw new IllegalArgumentException(
          "max reaction kinds must be positive but was " + maxReactionKinds);
    }
  }

  private static void notNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative but was " + value);
    }
  }
}
