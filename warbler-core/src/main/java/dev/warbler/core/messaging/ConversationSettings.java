package dev.warbler.core.messaging;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One user's own settings of one conversation, synced across the user's devices.
 *
 * @param pinned shown first in the user's conversation list
 * @param muted no push notifications (once a push service exists; connected devices still receive
 *     every message)
 * @param archived hidden from the main list by the client
 * @param custom an app-defined JSON object as text; empty when not set
 */
public record ConversationSettings(boolean pinned, boolean muted, boolean archived, String custom) {

  public static final ConversationSettings NONE = new ConversationSettings(false, false, false, "");

  /** This with the fields {@code change} sets replaced. */
  public ConversationSettings with(Change change) {
    return new ConversationSettings(
        change.pinned().orElse(pinned),
        change.muted().orElse(muted),
        change.archived().orElse(archived),
        change.custom().orElse(custom));
  }

  /**
   * A partial update: each field is either set (to replace the current value) or left alone.
   * Immutable; build with {@link #none()} and the {@code with...} methods.
   */
  public static final class Change {
    private static final Change NONE = new Change(null, null, null, null);

    private final @Nullable Boolean pinned;
    private final @Nullable Boolean muted;
    private final @Nullable Boolean archived;
    private final @Nullable String custom;

    private Change(
        @Nullable Boolean pinned,
        @Nullable Boolean muted,
        @Nullable Boolean archived,
        @Nullable String custom) {
      this.pinned = pinned;
      this.muted = muted;
      this.archived = archived;
      this.custom = custom;
    }

    /** A change that sets nothing. */
    public static Change none() {
      return NONE;
    }

    public Change withPinned(boolean value) {
      return new Change(value, muted, archived, custom);
    }

    public Change withMuted(boolean value) {
      return new Change(pinned, value, archived, custom);
    }

    public Change withArchived(boolean value) {
      return new Change(pinned, muted, value, custom);
    }

    /** Sets the custom JSON object (as text); the empty string clears it. */
    public Change withCustom(String value) {
      return new Change(pinned, muted, archived, value);
    }

    public Optional<Boolean> pinned() {
      return Optional.ofNullable(pinned);
    }

    public Optional<Boolean> muted() {
      return Optional.ofNullable(muted);
    }

    public Optional<Boolean> archived() {
      return Optional.ofNullable(archived);
    }

    public Optional<String> custom() {
      return Optional.ofNullable(custom);
    }

    /** True when the change sets no field. */
    public boolean isEmpty() {
      return pinned == null && muted == null && archived == null && custom == null;
    }

    @Override
    public String toString() {
      return "Change[pinned="
          + pinned
          + ", muted="
          + muted
          + ", archived="
          + archived
          + ", custom="
          + custom
          + "]";
    }
  }
}
