package dev.warbler.core.directory;

/** One field of a profile update; fields not named in an update keep their value. */
public sealed interface ProfileChange {
  /** A new display name; must not be blank. */
  record Name(String name) implements ProfileChange {}

  /** A new avatar URL ({@code http} or {@code https}); empty removes it. */
  record AvatarUrl(String url) implements ProfileChange {}

  /** A new custom JSON object, as text; replaces the old one as a whole. */
  record Custom(String json) implements ProfileChange {}
}
