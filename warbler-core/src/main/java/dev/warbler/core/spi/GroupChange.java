package dev.warbler.core.spi;

import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.GroupRole;
import dev.warbler.core.groups.GroupUpdate;
import dev.warbler.core.messaging.ChatMessage;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One change to a group, applied by {@link GroupStore#apply} in one transaction. Every change but
 * {@link Create} fails with GROUP_NOT_FOUND when the group does not exist or was deleted. Each
 * record says which users its {@link Outcome} lists.
 */
public sealed interface GroupChange {
  String app();

  String group();

  /**
   * Stores a new group with its first members and their roles (exactly one OWNER, the record's
   * owner). ALREADY_EXISTS when the id is taken, deleted groups included. Outcome: every member.
   */
  record Create(GroupRecord record, Map<String, GroupRole> members) implements GroupChange {
    public Create {
      members = Map.copyOf(members);
    }

    @Override
    public String app() {
      return record.app();
    }

    @Override
    public String group() {
      return record.id();
    }
  }

  /**
   * Adds users as members and drops their join requests. BANNED if one is banned; LIMIT_EXCEEDED if
   * the group would have more than {@code maxMembers}. Outcome: the users that were not members.
   */
  record AddMembers(String app, String group, List<String> users, int maxMembers)
      implements GroupChange {
    public AddMembers {
      users = List.copyOf(users);
    }
  }

  /** Removes members; FORBIDDEN for the owner. Outcome (and removed): those that were members. */
  record RemoveMembers(String app, String group, List<String> users) implements GroupChange {
    public RemoveMembers {
      users = List.copyOf(users);
    }
  }

  /**
   * Gives a member another role (ADMIN or MEMBER); NOT_MEMBER if it is none, FORBIDDEN for the
   * owner. Outcome: the user when its role changed, else nobody.
   */
  record SetRole(String app, String group, String user, GroupRole role) implements GroupChange {}

  /**
   * Makes member {@code to} the owner and the current owner {@code from} an admin. NOT_MEMBER if
   * {@code to} is not a member. Outcome: {@code to}.
   */
  record TransferOwnership(String app, String group, String from, String to)
      implements GroupChange {}

  /** Sets a member's muted-until time (0 unmutes); NOT_MEMBER if it is none. Outcome: the user. */
  record Mute(String app, String group, String user, long until) implements GroupChange {}

  /** Changes the fields the update sets. Outcome: nobody. */
  record UpdateProfile(String app, String group, GroupUpdate update) implements GroupChange {}

  /**
   * Bans users: removes those that are members, drops their join requests and keeps them out until
   * unbanned. FORBIDDEN for the owner. Outcome: every user given; removed: those that were members.
   */
  record Ban(String app, String group, List<String> users, String by, long at)
      implements GroupChange {
    public Ban {
      users = List.copyOf(users);
    }
  }

  /** Lifts bans. Outcome: the users that were banned. */
  record Unban(String app, String group, List<String> users) implements GroupChange {
    public Unban {
      users = List.copyOf(users);
    }
  }

  /**
   * Stores (or replaces) a user's join request; LIMIT_EXCEEDED when {@code maxRequests} others are
   * already pending. Outcome: the user.
   */
  record RequestJoin(
      String app, String group, String user, String message, long at, int maxRequests)
      implements GroupChange {}

  /** Drops join requests. Outcome: the users whose request existed. */
  record RemoveJoinRequests(String app, String group, List<String> users) implements GroupChange {
    public RemoveJoinRequests {
      users = List.copyOf(users);
    }
  }

  /**
   * Marks the group deleted at {@code at} and drops its bans and join requests. Membership rows
   * stay, so members keep reading the history. Outcome: nobody; removed: every member (none
   * receives the group's messages any more).
   */
  record Delete(String app, String group, long at) implements GroupChange {}

  /** What a change did; see each change for who is listed. */
  record Outcome(GroupChange change, List<String> users, List<String> removed) {
    public Outcome {
      users = List.copyOf(users);
      removed = List.copyOf(removed);
    }
  }

  /** A committed change and the event message appended with it, if any. */
  record Applied(Outcome outcome, Optional<ChatMessage> event) {}
}
