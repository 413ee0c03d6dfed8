package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.ServerFrame;
import java.util.List;

/**
 * Group requests: {@code group_command} → {@code group_info}, {@code group_members}, {@code
 * join_requests} or {@code group_ack} (see {@link GroupFrames}). Bans and unbans by a moderator go
 * to the audit log.
 *
 * <p>Threading: one per gateway, stateless; called on the event loop, never blocks (the work runs
 * on virtual threads through the {@link Request}).
 */
final class GroupRequests {
  private final GroupAdmin groups;
  private final Audit audit;

  GroupRequests(GroupAdmin groups, Audit audit) {
    this.groups = groups;
    this.audit = audit;
  }

  void command(Request r, GroupCommand command) {
    Principal who = r.who();
    r.async(() -> {
      ServerFrame.Builder answer = GroupFrames.answer(groups, who, command);
      auditBan(r, who, command);
      return answer;
    });
  }

  /**
   * Virtual thread: group bans by a moderator are audited (not awaited: no delay to the answer).
   */
  private void auditBan(Request r, Principal who, GroupCommand command) {
    String action;
    List<String> users;
    switch (command.getOpCase()) {
      case BAN -> {
        action = Audit.GROUP_BAN;
        users = command.getBan().getUsersList();
      }
      case UNBAN -> {
        action = Audit.GROUP_UNBAN;
        users = command.getUnban().getUsersList();
      }
      default -> {
        return;
      }
    }
    for (String user : users) {
      audit.record(
          who.app(),
          Audit.user(who.user()),
          r.replies().remoteIp(),
          action,
          command.getGroup() + "/" + user,
          "");
    }
  }
}
