package dev.warbler.core.groups;

import java.util.Optional;

/** Which members may invite others into a group (the owner always may). */
public enum InvitePolicy {
  /** The owner and admins. */
  ADMINS,
  /** Every member. */
  MEMBERS;

  /** Parses a name (any case); empty for anything else. */
  public static Optional<InvitePolicy> parse(String name) {
    for (InvitePolicy p : values()) {
      if (p.name().equalsIgnoreCase(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
