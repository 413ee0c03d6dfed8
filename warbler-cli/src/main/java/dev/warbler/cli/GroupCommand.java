package dev.warbler.cli;

import dev.warbler.protocol.v1.GroupMember;
import dev.warbler.protocol.v1.GroupMembers;
import dev.warbler.protocol.v1.GroupRole;
import dev.warbler.protocol.v1.InvitePolicy;
import dev.warbler.protocol.v1.JoinPolicy;
import dev.warbler.protocol.v1.JoinRequests;
import dev.warbler.protocol.v1.UpdateGroup;
import dev.warbler.sdk.WarblerAdmin;
import dev.warbler.sdk.WarblerClient;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code warbler group SUBCOMMAND GID ...}: create and run groups. With {@code --as U} a command
 * acts as that user over the WebSocket (with that user's rights); without it the admin key acts
 * through the REST API with the owner's rights. {@code leave} and {@code join} need {@code --as}.
 * Each command prints one JSON line per result (listings: one per item).
 */
@CommandLine.Command(
    name = "group",
    mixinStandardHelpOptions = true,
    description = "Manage groups: with --as U as that user, else with the admin key.",
    subcommands = {
      GroupCommand.Create.class,
      GroupCommand.Info.class,
      GroupCommand.Update.class,
      GroupCommand.Members.class,
      GroupCommand.Role.class,
      GroupCommand.Transfer.class,
      GroupCommand.Mute.class,
      GroupCommand.Unmute.class,
      GroupCommand.MuteAll.class,
      GroupCommand.Ban.class,
      GroupCommand.Unban.class,
      GroupCommand.Invite.class,
      GroupCommand.Kick.class,
      GroupCommand.Leave.class,
      GroupCommand.Join.class,
      GroupCommand.Approve.class,
      GroupCommand.Reject.class,
      GroupCommand.Requests.class,
      GroupCommand.Delete.class
    })
final class GroupCommand implements Runnable {
  final Environment env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  GroupCommand(Environment env) {
    this.env = env;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing subcommand: create, info, update, members, ...");
  }

  @CommandLine.Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a group; prints it as one JSON line.")
  static final class Create extends ClientCommand {
    @CommandLine.ParentCommand GroupCommand parent;

    @CommandLine.Parameters(index = "0", paramLabel = "GID", description = "group id")
    String id = "";

    @CommandLine.Option(
        names = "--owner",
        required = true,
        paramLabel = "USER",
        description = "owner (also a member)")
    String owner = "";

    @CommandLine.Option(
        names = "--members",
        split = ",",
        paramLabel = "USER",
        description = "members, comma-separated (the owner is added if missing)")
    List<String> members = new ArrayList<>();

    @CommandLine.Option(names = "--name", paramLabel = "NAME", description = "display name")
    @Nullable String name;

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    int run() {
      List<String> all = new ArrayList<>();
      all.add(owner);
      members.stream()
          .map(String::strip)
          .filter(m -> !m.isEmpty() && !all.contains(m))
          .forEach(all::add);
      printLine(
          JsonLines.group(
              options
                  .admin(env())
                  .createGroup(options.app, id, name == null ? "" : name, owner, all)));
      return 0;
    }
  }

  /** A group subcommand: the group id, {@code --as}, and both ways of acting. */
  abstract static class Sub extends ClientCommand {
    @CommandLine.ParentCommand GroupCommand parent;

    @CommandLine.Parameters(index = "0", paramLabel = "GID", description = "group id")
    String group = "";

    @CommandLine.Option(
        names = "--as",
        paramLabel = "USER",
        description = "act as this user over the WebSocket (default: the admin key over REST)")
    @Nullable String as;

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    final int run() throws Exception {
      if (as == null) {
        rest(options.admin(env()));
      } else {
        try (ClientSession session = ClientSession.open(options, env(), as, m -> {})) {
          socket(session.client);
        }
      }
      return 0;
    }

    /** Acts with the admin key. */
    abstract void rest(WarblerAdmin admin) throws Exception;

    /** Acts as {@link #as} over the WebSocket. */
    abstract void socket(WarblerClient client) throws Exception;

    static <T> T await(CompletableFuture<T> future) throws Exception {
      return future.get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    CommandLine.ParameterException needsAs(String what) {
      return usage(what + " acts as a user: give --as USER");
    }
  }

  /** A subcommand taking one or more user ids after the group. */
  abstract static class UsersSub extends Sub {
    @CommandLine.Parameters(
        index = "1..*",
        arity = "1..*",
        paramLabel = "USER",
        description = "user ids")
    List<String> users = new ArrayList<>();
  }

  /** A subcommand taking one user id after the group. */
  abstract static class UserSub extends Sub {
    @CommandLine.Parameters(index = "1", paramLabel = "USER", description = "user id")
    String user = "";
  }

  @CommandLine.Command(
      name = "info",
      mixinStandardHelpOptions = true,
      description = "Print the group's profile and settings (with --as: and your role).")
  static final class Info extends Sub {
    @Override
    void rest(WarblerAdmin admin) {
      printLine(JsonLines.groupDetails(admin.getGroup(options.app, group)));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.groupInfo(await(client.getGroup(group))));
    }
  }

  @CommandLine.Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = "Change the profile or settings; prints the group.")
  static final class Update extends Sub {
    @CommandLine.Option(names = "--name", paramLabel = "NAME")
    @Nullable String name;

    @CommandLine.Option(names = "--avatar-url", paramLabel = "URL")
    @Nullable String avatarUrl;

    @CommandLine.Option(names = "--description", paramLabel = "TEXT")
    @Nullable String description;

    @CommandLine.Option(
        names = "--custom",
        paramLabel = "JSON",
        description = "a JSON object; '{}' or '' clears it")
    @Nullable String custom;

    @CommandLine.Option(
        names = "--join-policy",
        paramLabel = "POLICY",
        description = "invite-only, approval or open (owner only)")
    @Nullable String joinPolicy;

    @CommandLine.Option(
        names = "--invite-policy",
        paramLabel = "POLICY",
        description = "admins or members (owner only)")
    @Nullable String invitePolicy;

    @Override
    void rest(WarblerAdmin admin) throws Exception {
      Map<String, Object> fields = new LinkedHashMap<>();
      if (name != null) {
        fields.put("name", name);
      }
      if (avatarUrl != null) {
        fields.put("avatarUrl", avatarUrl);
      }
      if (description != null) {
        fields.put("description", description);
      }
      if (custom != null) {
        fields.put(
            "custom",
            custom.isBlank() ? new LinkedHashMap<>() : JsonLines.parseObject(custom, "--custom"));
      }
      if (joinPolicy != null) {
        fields.put("joinPolicy", policyName(joinPolicy));
      }
      if (invitePolicy != null) {
        fields.put("invitePolicy", policyName(invitePolicy));
      }
      requireSome(fields.isEmpty());
      printLine(JsonLines.groupDetails(admin.updateGroup(options.app, group, fields)));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      UpdateGroup.Builder u = UpdateGroup.newBuilder();
      if (name != null) {
        u.setName(name);
      }
      if (avatarUrl != null) {
        u.setAvatarUrl(avatarUrl);
      }
      if (description != null) {
        u.setDescription(description);
      }
      if (custom != null) {
        u.setCustom(custom.isBlank() || custom.strip().equals("{}") ? "" : custom);
      }
      if (joinPolicy != null) {
        u.setJoinPolicy(JoinPolicy.valueOf("JOIN_POLICY_" + policyName(joinPolicy)));
      }
      if (invitePolicy != null) {
        u.setInvitePolicy(InvitePolicy.valueOf("INVITE_POLICY_" + policyName(invitePolicy)));
      }
      requireSome(u.build().equals(UpdateGroup.getDefaultInstance()));
      printLine(JsonLines.groupInfo(await(client.updateGroup(group, u.build()))));
    }

    private void requireSome(boolean none) {
      if (none) {
        throw usage(
            "give at least one of --name, --avatar-url, --description, --custom,"
                + " --join-policy, --invite-policy");
      }
    }

    private String policyName(String policy) {
      String p = policy.strip().toUpperCase(Locale.ROOT).replace('-', '_');
      if (!List.of("INVITE_ONLY", "APPROVAL", "OPEN", "ADMINS", "MEMBERS").contains(p)) {
        throw usage("unknown policy '" + policy + "'");
      }
      return p;
    }
  }

  @CommandLine.Command(
      name = "members",
      mixinStandardHelpOptions = true,
      description = "Print every member with its role, one JSON line each.")
  static final class Members extends Sub {
    @CommandLine.Option(
        names = "--page-size",
        paramLabel = "N",
        description = "members per request (default: the server's)")
    int pageSize;

    @Override
    void rest(WarblerAdmin admin) {
      String cursor = "";
      do {
        WarblerAdmin.Page<WarblerAdmin.GroupMember> page =
            admin.listGroupMembers(options.app, group, cursor, pageSize);
        page.items().forEach(m -> printLine(JsonLines.member(m)));
        cursor = page.nextCursor().orElse("");
      } while (!cursor.isEmpty());
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      String cursor = "";
      do {
        GroupMembers page = await(client.listGroupMembers(group, cursor, pageSize));
        for (GroupMember m : page.getMembersList()) {
          printLine(JsonLines.member(m));
        }
        cursor = page.getNextCursor();
      } while (!cursor.isEmpty());
    }
  }

  @CommandLine.Command(
      name = "role",
      mixinStandardHelpOptions = true,
      description = "Make a member an admin or an admin a member (owner only).")
  static final class Role extends UserSub {
    @CommandLine.Parameters(index = "2", paramLabel = "ROLE", description = "admin or member")
    String role = "";

    @Override
    void rest(WarblerAdmin admin) {
      printLine(JsonLines.member(admin.setMemberRole(options.app, group, user, role)));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      GroupRole r =
          switch (role.toLowerCase(Locale.ROOT)) {
            case "admin" -> GroupRole.GROUP_ROLE_ADMIN;
            case "member" -> GroupRole.GROUP_ROLE_MEMBER;
            default -> throw usage("ROLE must be admin or member but was '" + role + "'");
          };
      printLine(JsonLines.ack(await(client.setGroupMemberRole(group, user, r))));
    }
  }

  @CommandLine.Command(
      name = "transfer",
      mixinStandardHelpOptions = true,
      description = "Make a member the owner; the old owner becomes an admin.")
  static final class Transfer extends UserSub {
    @Override
    void rest(WarblerAdmin admin) {
      printLine(JsonLines.groupDetails(admin.transferOwnership(options.app, group, user)));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.transferGroupOwnership(group, user))));
    }
  }

  @CommandLine.Command(
      name = "mute",
      mixinStandardHelpOptions = true,
      description = "Mute a member for a while (e.g. --for 10m, 2h, 7d) or until a time.")
  static final class Mute extends UserSub {
    @CommandLine.Option(
        names = "--for",
        paramLabel = "DURATION",
        description = "how long: 30s, 10m, 2h, 7d or ISO-8601 (PT10M)")
    @Nullable String duration;

    @CommandLine.Option(
        names = "--until",
        paramLabel = "TIME",
        description = "until an ISO-8601 instant, e.g. 2026-01-01T12:00:00Z")
    @Nullable String until;

    private Instant until() {
      if ((duration == null) == (until == null)) {
        throw usage("give exactly one of --for or --until");
      }
      try {
        return until != null ? Instant.parse(until) : Instant.now().plus(parse(duration));
      } catch (DateTimeParseException | ArithmeticException e) {
        throw usage("cannot read the time: " + e.getMessage());
      }
    }

    private Duration parse(String text) {
      String t = text.strip().toLowerCase(Locale.ROOT);
      if (t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.length() < 2 || !t.substring(0, t.length() - 1).chars().allMatch(Character::isDigit)) {
        throw usage("--for must look like 30s, 10m, 2h or 7d but was '" + text + "'");
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw usage("--for must end in s, m, h or d but was '" + text + "'");
      };
    }

    @Override
    void rest(WarblerAdmin admin) {
      printLine(JsonLines.member(admin.muteMember(options.app, group, user, until())));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.muteGroupMember(group, user, until()))));
    }
  }

  @CommandLine.Command(
      name = "unmute",
      mixinStandardHelpOptions = true,
      description = "Unmute a member.")
  static final class Unmute extends UserSub {
    @Override
    void rest(WarblerAdmin admin) {
      printLine(JsonLines.member(admin.unmuteMember(options.app, group, user)));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.unmuteGroupMember(group, user))));
    }
  }

  @CommandLine.Command(
      name = "mute-all",
      mixinStandardHelpOptions = true,
      description = "on: only the owner and admins may send; off: everyone again.")
  static final class MuteAll extends Sub {
    @CommandLine.Parameters(index = "1", paramLabel = "on|off")
    String state = "";

    private boolean on() {
      return switch (state.toLowerCase(Locale.ROOT)) {
        case "on", "true" -> true;
        case "off", "false" -> false;
        default -> throw usage("expected on or off but was '" + state + "'");
      };
    }

    @Override
    void rest(WarblerAdmin admin) {
      printLine(
          JsonLines.groupDetails(admin.updateGroup(options.app, group, Map.of("muteAll", on()))));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.muteGroup(group, on()))));
    }
  }

  @CommandLine.Command(
      name = "ban",
      mixinStandardHelpOptions = true,
      description = "Ban users: removes them and keeps them out until unbanned.")
  static final class Ban extends UsersSub {
    @Override
    void rest(WarblerAdmin admin) {
      users.forEach(u -> printLine(JsonLines.change(admin.banUser(options.app, group, u))));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.banFromGroup(group, users))));
    }
  }

  @CommandLine.Command(name = "unban", mixinStandardHelpOptions = true, description = "Lift bans.")
  static final class Unban extends UsersSub {
    @Override
    void rest(WarblerAdmin admin) {
      users.forEach(u -> printLine(JsonLines.change(admin.unbanUser(options.app, group, u))));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.unbanFromGroup(group, users))));
    }
  }

  @CommandLine.Command(
      name = "invite",
      mixinStandardHelpOptions = true,
      description = "Add members.")
  static final class Invite extends UsersSub {
    @Override
    void rest(WarblerAdmin admin) {
      printLine(
          JsonLines.usersLine(group, "added", admin.addGroupMembers(options.app, group, users)));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.inviteToGroup(group, users))));
    }
  }

  @CommandLine.Command(
      name = "kick",
      mixinStandardHelpOptions = true,
      description = "Remove members.")
  static final class Kick extends UsersSub {
    @Override
    void rest(WarblerAdmin admin) {
      printLine(
          JsonLines.usersLine(
              group, "removed", admin.removeGroupMembers(options.app, group, users)));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.kickFromGroup(group, users))));
    }
  }

  @CommandLine.Command(
      name = "leave",
      mixinStandardHelpOptions = true,
      description = "Leave the group (--as USER; the owner transfers ownership first).")
  static final class Leave extends Sub {
    @Override
    void rest(WarblerAdmin admin) {
      throw needsAs("leave");
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.leaveGroup(group))));
    }
  }

  @CommandLine.Command(
      name = "join",
      mixinStandardHelpOptions = true,
      description = "Join an open group, or ask to join one that needs approval (--as USER).")
  static final class Join extends Sub {
    @CommandLine.Option(
        names = "--message",
        paramLabel = "TEXT",
        description = "a note to the admins")
    String message = "";

    @Override
    void rest(WarblerAdmin admin) {
      throw needsAs("join");
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.requestToJoinGroup(group, message))));
    }
  }

  @CommandLine.Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description = "Approve join requests.")
  static final class Approve extends UsersSub {
    @Override
    void rest(WarblerAdmin admin) {
      users.forEach(
          u -> printLine(JsonLines.change(admin.approveJoinRequest(options.app, group, u))));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.approveGroupJoin(group, users))));
    }
  }

  @CommandLine.Command(
      name = "reject",
      mixinStandardHelpOptions = true,
      description = "Reject join requests.")
  static final class Reject extends UsersSub {
    @Override
    void rest(WarblerAdmin admin) {
      users.forEach(
          u -> printLine(JsonLines.change(admin.rejectJoinRequest(options.app, group, u))));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.rejectGroupJoin(group, users))));
    }
  }

  @CommandLine.Command(
      name = "requests",
      mixinStandardHelpOptions = true,
      description = "Print pending join requests, one JSON line each.")
  static final class Requests extends Sub {
    @Override
    void rest(WarblerAdmin admin) {
      String cursor = "";
      do {
        WarblerAdmin.Page<WarblerAdmin.JoinRequest> page =
            admin.listJoinRequests(options.app, group, cursor, 0);
        page.items().forEach(r -> printLine(JsonLines.joinRequest(r)));
        cursor = page.nextCursor().orElse("");
      } while (!cursor.isEmpty());
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      String cursor = "";
      do {
        JoinRequests page = await(client.listGroupJoinRequests(group, cursor, 0));
        page.getRequestsList().forEach(r -> printLine(JsonLines.joinRequest(r)));
        cursor = page.getNextCursor();
      } while (!cursor.isEmpty());
    }
  }

  @CommandLine.Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete the group (owner only): members keep the history, nobody can send.")
  static final class Delete extends Sub {
    @Override
    void rest(WarblerAdmin admin) {
      admin.deleteGroup(options.app, group);
      printLine(JsonLines.usersLine(group, "deleted", List.of()));
    }

    @Override
    void socket(WarblerClient client) throws Exception {
      printLine(JsonLines.ack(await(client.deleteGroup(group))));
    }
  }

  /** The role name a member line shows: owner, admin, member. */
  static String roleName(GroupRole role) {
    return role.name().replace("GROUP_ROLE_", "").toLowerCase(Locale.ROOT);
  }
}
