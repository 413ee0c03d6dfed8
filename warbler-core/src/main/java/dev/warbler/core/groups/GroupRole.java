package dev.warbler.core.groups;

import java.util.Locale;
import java.util.Optional;

/**
 * A member's role in a group. Exactly one member is the {@link #OWNER}. Higher roles may moderate
 * lower ones: the owner may act on admins and members, an admin on members only.
 */
public enum GroupRole {
  OWNER(3),
  ADMIN(2),
  MEMBER(1);

  private final int rank;

  GroupRole(int rank) {
    this.rank = rank;
  }

  /** Larger for stronger roles; 0 is a non-member. */
  public int rank() {
    return rank;
  }

  /** The stored and REST name: {@code owner}, {@code admin} or {@code member}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a {@link #wireName()} (any case); empty for anything else. */
  public static Optional<GroupRole> parse(String name) {
    for (GroupRole r : values()) {
      if (r.name().equalsIgnoreCase(name)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
