package dev.warbler.core.groups;

/**
 * What a group shows and how it runs. {@code custom} is an application-defined JSON object as text,
 * or empty; {@code muteAll} lets only the owner and admins send.
 */
public record GroupProfile(
    String name,
    String avatarUrl,
    String description,
    String custom,
    boolean muteAll,
    JoinPolicy joinPolicy,
    InvitePolicy invitePolicy) {

  /** A profile with only a name, invite-only, where admins invite. */
  public static GroupProfile named(String name) {
    return new GroupProfile(name, "", "", "", false, JoinPolicy.INVITE_ONLY, InvitePolicy.ADMINS);
  }

  /** This profile with the fields {@code update} sets replaced. */
  public GroupProfile with(GroupUpdate update) {
    return new GroupProfile(
        update.name().orElse(name),
        update.avatarUrl().orElse(avatarUrl),
        update.description().orElse(description),
        update.custom().orElse(custom),
        update.muteAll().orElse(muteAll),
        update.joinPolicy().orElse(joinPolicy),
        update.invitePolicy().orElse(invitePolicy));
  }
}
