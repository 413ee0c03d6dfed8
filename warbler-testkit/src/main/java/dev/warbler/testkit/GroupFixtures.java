package dev.warbler.testkit;

import dev.warbler.core.groups.Group;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.GroupRole;
import dev.warbler.core.groups.Membership;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.NewMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Groups set up through the {@link GroupStore} for the contracts that need a group but test
 * something else (group messages, sync, receipts, deletion). No change appends an event message, so
 * a group's seqs start with the first message a test sends.
 */
final class GroupFixtures {
  private GroupFixtures() {}

  /** Appends no event: what a fixture wants. */
  static final Function<GroupChange.Outcome, Optional<NewMessage>> NO_EVENT =
      outcome -> Optional.empty();

  /** Creates {@code group} with {@code members}: its owner as OWNER, the others as MEMBER. */
  static void create(GroupStore groups, Group group, List<String> members) {
    Map<String, GroupRole> roles = new LinkedHashMap<>();
    for (String user : members) {
      roles.put(user, user.equals(group.owner()) ? GroupRole.OWNER : GroupRole.MEMBER);
    }
    GroupRecord record =
        new GroupRecord(
            group.app(),
            group.id(),
            group.owner(),
            GroupProfile.named(group.name()),
            group.createdAt(),
            0);
    apply(groups, new GroupChange.Create(record, roles));
  }

  /** Adds members (no member limit); returns those that were not members before. */
  static List<String> add(GroupStore groups, String app, String group, List<String> users) {
    return apply(groups, new GroupChange.AddMembers(app, group, users, Integer.MAX_VALUE))
        .outcome()
        .users();
  }

  /** Removes members (not the owner); returns those that were members. */
  static List<String> remove(GroupStore groups, String app, String group, List<String> users) {
    return apply(groups, new GroupChange.RemoveMembers(app, group, users)).outcome().users();
  }

  /** The group's member ids, sorted. */
  static List<String> members(GroupStore groups, String app, String group) {
    return groups.members(app, group, "", Integer.MAX_VALUE).stream()
        .map(Membership::user)
        .toList();
  }

  private static GroupChange.Applied apply(GroupStore groups, GroupChange change) {
    return StoreContract.resultOf(groups.apply(change, NO_EVENT));
  }
}
