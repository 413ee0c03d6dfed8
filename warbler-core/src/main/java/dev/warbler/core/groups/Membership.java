package dev.warbler.core.groups;

/** One member of a group: its role and until when it is muted (epoch ms; 0 = not muted). */
public record Membership(String user, GroupRole role, long mutedUntil) {

  public boolean mutedAt(long nowMillis) {
    return mutedUntil > nowMillis;
  }
}
