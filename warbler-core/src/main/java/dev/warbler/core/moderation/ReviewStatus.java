package dev.warbler.core.moderation;

import java.util.Locale;
import java.util.Optional;

/** Where a review item stands. */
public enum ReviewStatus {
  PENDING,
  /** A reviewer kept the message. */
  APPROVED,
  /** A reviewer refused the message; it was recalled. */
  REJECTED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<ReviewStatus> parse(String name) {
    for (ReviewStatus s : values()) {
      if (s.wireName().equalsIgnoreCase(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
