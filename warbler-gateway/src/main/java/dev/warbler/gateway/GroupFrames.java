package dev.warbler.gateway;

import dev.warbler.core.Caller;
import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupPage;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupResult;
import dev.warbler.core.groups.GroupUpdate;
import dev.warbler.core.groups.GroupView;
import dev.warbler.core.groups.InvitePolicy;
import dev.warbler.core.groups.JoinPolicy;
import dev.warbler.core.groups.Membership;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.CreateGroup;
import dev.warbler.protocol.v1.GroupAck;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.GroupInfo;
import dev.warbler.protocol.v1.GroupMember;
import dev.warbler.protocol.v1.GroupMembers;
import dev.warbler.protocol.v1.JoinRequests;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.UpdateGroup;
import java.util.Optional;

/**
 * Serves {@code group_command}: maps each operation to {@link GroupAdmin} with the connection's
 * user as the actor, and the result to {@code group_info}, {@code group_members}, {@code
 * join_requests} or {@code group_ack}. Blocks on the store: call it from a virtual thread.
 */
public final class GroupFrames {
  private GroupFrames() {}

  /**
   * The answer to {@code command} from {@code who}, connected from {@code address} (which the audit
   * log records for bans and unbans); failures throw {@link WarblerException}.
   */
  public static ServerFrame.Builder answer(
      GroupAdmin groups, Principal who, String address, GroupCommand command) {
    String app = who.app();
    String actor = who.user();
    String g = Ids.require("group", command.getGroup());
    ServerFrame.Builder frame = ServerFrame.newBuilder();
    return switch (command.getOpCase()) {
      case CREATE -> {
        CreateGroup c = command.getCreate();
        groups.create(app, g, actor, actor, c.getMembersList(), profile(c));
        yield frame.setGroupInfo(info(groups.get(app, g, actor)));
      }
      case GET -> frame.setGroupInfo(info(groups.get(app, g, actor)));
      case UPDATE ->
          frame.setGroupInfo(info(groups.update(app, g, actor, update(command.getUpdate()))));
      case LIST_MEMBERS ->
          frame.setGroupMembers(
              members(
                  g,
                  groups.members(
                      app,
                      g,
                      actor,
                      command.getListMembers().getCursor(),
                      command.getListMembers().getLimit())));
      case INVITE ->
          frame.setGroupAck(ack(groups.invite(app, g, actor, command.getInvite().getUsersList())));
      case KICK ->
          frame.setGroupAck(ack(groups.kick(app, g, actor, command.getKick().getUsersList())));
      case LEAVE -> frame.setGroupAck(ack(groups.leave(app, g, actor)));
      case SET_ROLE ->
          frame.setGroupAck(
              ack(
                  groups.setRole(
                      app,
                      g,
                      actor,
                      command.getSetRole().getUser(),
                      coreRole(command.getSetRole().getRole()))));
      case TRANSFER_OWNERSHIP ->
          frame.setGroupAck(
              ack(
                  groups.transferOwnership(
                      app, g, actor, command.getTransferOwnership().getUser())));
      case MUTE ->
          frame.setGroupAck(
              ack(
                  groups.mute(
                      app, g, actor, command.getMute().getUser(), command.getMute().getUntil())));
      case UNMUTE ->
          frame.setGroupAck(ack(groups.unmute(app, g, actor, command.getUnmute().getUser())));
      case MUTE_ALL ->
          frame.setGroupAck(ack(groups.muteAll(app, g, actor, command.getMuteAll().getOn())));
      case BAN ->
          frame.setGroupAck(
              ack(
                  groups.ban(
                      Caller.user(who, address), g, actor, command.getBan().getUsersList())));
      case UNBAN ->
          frame.setGroupAck(
              ack(
                  groups.unban(
                      Caller.user(who, address), g, actor, command.getUnban().getUsersList())));
      case REQUEST_JOIN ->
          frame.setGroupAck(
              ack(groups.requestJoin(app, g, actor, command.getRequestJoin().getMessage())));
      case APPROVE_JOIN ->
          frame.setGroupAck(
              ack(groups.approveJoin(app, g, actor, command.getApproveJoin().getUsersList())));
      case REJECT_JOIN ->
          frame.setGroupAck(
              ack(groups.rejectJoin(app, g, actor, command.getRejectJoin().getUsersList())));
      case LIST_JOIN_REQUESTS ->
          frame.setJoinRequests(
              joinRequests(
                  g,
                  groups.joinRequests(
                      app,
                      g,
                      actor,
                      command.getListJoinRequests().getCursor(),
                      command.getListJoinRequests().getLimit())));
      case DELETE -> frame.setGroupAck(ack(groups.delete(app, g, actor)));
      case OP_NOT_SET ->
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, "groupCommand needs an operation (create, get, ...)");
    };
  }

  static GroupProfile profile(CreateGroup c) {
    return new GroupProfile(
        c.getName(),
        c.getAvatarUrl(),
        c.getDescription(),
        c.getCustom(),
        false,
        joinPolicy(c.getJoinPolicy()).orElse(JoinPolicy.INVITE_ONLY),
        invitePolicy(c.getInvitePolicy()).orElse(InvitePolicy.ADMINS));
  }

  static GroupUpdate update(UpdateGroup u) {
    GroupUpdate.Builder b = GroupUpdate.builder();
    if (u.hasName()) {
      b.name(u.getName());
    }
    if (u.hasAvatarUrl()) {
      b.avatarUrl(u.getAvatarUrl());
    }
    if (u.hasDescription()) {
      b.description(u.getDescription());
    }
    if (u.hasCustom()) {
      b.custom(u.getCustom());
    }
    joinPolicy(u.getJoinPolicy()).ifPresent(b::joinPolicy);
    invitePolicy(u.getInvitePolicy()).ifPresent(b::invitePolicy);
    return b.build();
  }

  public static GroupInfo info(GroupView v) {
    GroupProfile p = v.group().profile();
    return GroupInfo.newBuilder()
        .setGroup(v.group().id())
        .setConversation(v.group().conversation().toString())
        .setName(p.name())
        .setAvatarUrl(p.avatarUrl())
        .setDescription(p.description())
        .setCustom(p.custom())
        .setOwner(v.group().owner())
        .setMemberCount(v.memberCount())
        .setMuteAll(p.muteAll())
        .setJoinPolicy(protoJoinPolicy(p.joinPolicy()))
        .setInvitePolicy(protoInvitePolicy(p.invitePolicy()))
        .setCreatedAt(v.group().createdAt())
        .setMyRole(
            v.you()
                .map(m -> protoRole(m.role()))
                .orElse(dev.warbler.protocol.v1.GroupRole.GROUP_ROLE_UNSPECIFIED))
        .setMyMutedUntil(v.you().map(Membership::mutedUntil).orElse(0L))
        .build();
  }

  static GroupMembers members(String group, GroupPage<Membership> page) {
    GroupMembers.Builder b = GroupMembers.newBuilder().setGroup(group);
    for (Membership m : page.items()) {
      b.addMembers(
          GroupMember.newBuilder()
              .setUser(m.user())
              .setRole(protoRole(m.role()))
              .setMutedUntil(m.mutedUntil()));
    }
    page.nextCursor().ifPresent(b::setNextCursor);
    return b.build();
  }

  static JoinRequests joinRequests(
      String group, GroupPage<dev.warbler.core.groups.JoinRequest> page) {
    JoinRequests.Builder b = JoinRequests.newBuilder().setGroup(group);
    for (dev.warbler.core.groups.JoinRequest r : page.items()) {
      b.addRequests(
          dev.warbler.protocol.v1.JoinRequest.newBuilder()
              .setUser(r.user())
              .setMessage(r.message())
              .setRequestedAt(r.requestedAt()));
    }
    page.nextCursor().ifPresent(b::setNextCursor);
    return b.build();
  }

  static GroupAck ack(GroupResult r) {
    return GroupAck.newBuilder().setGroup(r.group()).setSeq(r.seq()).addAllUsers(r.users()).build();
  }

  public static dev.warbler.protocol.v1.GroupRole protoRole(
      dev.warbler.core.groups.GroupRole role) {
    return switch (role) {
      case OWNER -> dev.warbler.protocol.v1.GroupRole.GROUP_ROLE_OWNER;
      case ADMIN -> dev.warbler.protocol.v1.GroupRole.GROUP_ROLE_ADMIN;
      case MEMBER -> dev.warbler.protocol.v1.GroupRole.GROUP_ROLE_MEMBER;
    };
  }

  /** A requested role; UNSPECIFIED and unknown numbers are INVALID_ARGUMENT. */
  static dev.warbler.core.groups.GroupRole coreRole(dev.warbler.protocol.v1.GroupRole role) {
    return switch (role) {
      case GROUP_ROLE_OWNER -> dev.warbler.core.groups.GroupRole.OWNER;
      case GROUP_ROLE_ADMIN -> dev.warbler.core.groups.GroupRole.ADMIN;
      case GROUP_ROLE_MEMBER -> dev.warbler.core.groups.GroupRole.MEMBER;
      case GROUP_ROLE_UNSPECIFIED, UNRECOGNIZED ->
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, "role must be GROUP_ROLE_ADMIN or GROUP_ROLE_MEMBER");
    };
  }

  static dev.warbler.protocol.v1.JoinPolicy protoJoinPolicy(JoinPolicy p) {
    return switch (p) {
      case INVITE_ONLY -> dev.warbler.protocol.v1.JoinPolicy.JOIN_POLICY_INVITE_ONLY;
      case APPROVAL -> dev.warbler.protocol.v1.JoinPolicy.JOIN_POLICY_APPROVAL;
      case OPEN -> dev.warbler.protocol.v1.JoinPolicy.JOIN_POLICY_OPEN;
    };
  }

  static dev.warbler.protocol.v1.InvitePolicy protoInvitePolicy(InvitePolicy p) {
    return switch (p) {
      case ADMINS -> dev.warbler.protocol.v1.InvitePolicy.INVITE_POLICY_ADMINS;
      case MEMBERS -> dev.warbler.protocol.v1.InvitePolicy.INVITE_POLICY_MEMBERS;
    };
  }

  /** Empty for UNSPECIFIED (default or unchanged); unknown numbers are INVALID_ARGUMENT. */
  static Optional<JoinPolicy> joinPolicy(dev.warbler.protocol.v1.JoinPolicy p) {
    return switch (p) {
      case JOIN_POLICY_UNSPECIFIED -> Optional.empty();
      case JOIN_POLICY_INVITE_ONLY -> Optional.of(JoinPolicy.INVITE_ONLY);
      case JOIN_POLICY_APPROVAL -> Optional.of(JoinPolicy.APPROVAL);
      case JOIN_POLICY_OPEN -> Optional.of(JoinPolicy.OPEN);
      case UNRECOGNIZED ->
          throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "unknown join policy");
    };
  }

  static Optional<InvitePolicy> invitePolicy(dev.warbler.protocol.v1.InvitePolicy p) {
    return switch (p) {
      case INVITE_POLICY_UNSPECIFIED -> Optional.empty();
      case INVITE_POLICY_ADMINS -> Optional.of(InvitePolicy.ADMINS);
      case INVITE_POLICY_MEMBERS -> Optional.of(InvitePolicy.MEMBERS);
      case UNRECOGNIZED ->
          throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "unknown invite policy");
    };
  }
}
