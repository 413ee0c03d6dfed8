package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.protocol.v1.GroupCommand;

/**
 * Group requests: {@code group_command} → {@code group_info}, {@code group_members}, {@code
 * join_requests} or {@code group_ack} (see {@link GroupFrames}). Bans and unbans go to the audit
 * log in {@link GroupAdmin}, with the connection's user and address.
 *
 * <p>Threading: one per gateway, stateless; called on the event loop, never blocks (the work runs
 * on virtual threads through the {@link Request}).
 */
final class GroupRequests {
  private final GroupAdmin groups;

  GroupRequests(GroupAdmin groups) {
    this.groups = groups;
  }

  void command(Request r, GroupCommand command) {
    Principal who = r.who();
    String address = r.replies().remoteIp();
    r.async(() -> GroupFrames.answer(groups, who, address, command));
  }
}
