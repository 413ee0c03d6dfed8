package dev.warbler.core.spi;

import dev.warbler.core.WarblerException;
import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.JoinRequest;
import dev.warbler.core.groups.Membership;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Groups beyond their basic row: profile and settings, roles, mutes, bans and join requests. Shares
 * the database (and the seq of each group's conversation) with the {@link MessageStore}.
 *
 * <p>Guarantees every implementation must keep:
 *
 * <ul>
 *   <li><b>Atomic events.</b> {@link #apply} applies a change and appends the event message the
 *       caller builds for it (a SYSTEM message of the group's conversation) in one transaction:
 *       both are durable, or neither. The event gets its seq like any message ({@link MessageStore}
 *       guarantees hold for it, futures completing in seq order included); the caller publishes the
 *       applied change (see {@code Event.GroupChanged}).
 *   <li><b>Invariants inside the transaction.</b> The member limit of {@link
 *       GroupChange.AddMembers}, bans, the single owner and the join request limit are checked in
 *       the transaction, so concurrent changes cannot break them.
 *   <li><b>Sync.</b> Every change that adds or removes members moves the group's conversation to a
 *       new change position.
 * </ul>
 *
 * <p>Thread-safe. Reads see committed data only and may block on I/O.
 */
public interface GroupStore {

  /** The group, deleted or not. */
  Optional<GroupRecord> group(String app, String id);

  /** Every member with its role and mute, in no particular order; for caches. */
  List<Membership> memberships(String app, String group);

  /** Members with user id greater than {@code afterUser} ("" = from the start), by user id. */
  List<Membership> members(String app, String group, String afterUser, int limit);

  /** The ids of the live (not deleted) groups {@code user} is a member of. */
  Set<String> groupsOf(String app, String user);

  boolean banned(String app, String group, String user);

  Optional<JoinRequest> joinRequest(String app, String group, String user);

  /**
   * Pending join requests of users that still exist, with user id greater than {@code afterUser},
   * by user id.
   */
  List<JoinRequest> joinRequests(String app, String group, String afterUser, int limit);

  /**
   * Applies {@code change} with its event message (see the class guarantees). The future fails with
   * {@link WarblerException} when the change breaks a rule (see each {@link GroupChange}) or the
   * store is unavailable; nothing is stored then.
   */
  CompletableFuture<GroupChange.Applied> apply(
      GroupChange change, Function<GroupChange.Outcome, Optional<NewMessage>> event);
}
