package dev.warbler.core.groups;

import java.util.Optional;

/** Who may bring a user into a group. */
public enum JoinPolicy {
  /** Only the owner and admins add people (members too when the invite policy allows it). */
  INVITE_ONLY,
  /** Users ask to join; the owner or an admin approves or rejects each request. */
  APPROVAL,
  /** Any user of the app may join at once. */
  OPEN;

  /** Parses a name (any case, dashes or underscores); empty for anything else. */
  public static Optional<JoinPolicy> parse(String name) {
    for (JoinPolicy p : values()) {
      if (p.name().equalsIgnoreCase(name.replace('-', '_'))) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
