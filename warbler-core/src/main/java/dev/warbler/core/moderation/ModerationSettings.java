package dev.warbler.core.moderation;

import java.util.Objects;

/**
 * An app's filter settings.
 *
 * @param enabled whether sends are checked against the app's list (a list is kept when disabled)
 * @param defaultAction the action of words added without one
 */
public record ModerationSettings(boolean enabled, WordAction defaultAction) {
  /** An app that never changed its settings: enabled, masking. */
  public static final ModerationSettings DEFAULTS = new ModerationSettings(true, WordAction.MASK);

  public ModerationSettings {
    Objects.requireNonNull(defaultAction, "defaultAction");
  }
}
