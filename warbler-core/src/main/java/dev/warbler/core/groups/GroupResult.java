package dev.warbler.core.groups;

import java.util.List;

/**
 * What a group command did: the users it affected (added, removed, banned ...; see each command)
 * and the seq of the SYSTEM message that records it in the group's conversation (0 when the command
 * changed nothing visible, or records nothing, like a rejected join request).
 */
public record GroupResult(String group, long seq, List<String> users) {
  public GroupResult {
    users = List.copyOf(users);
  }
}
