package dev.warbler.core.groups;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.core.Caller;
import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ContentFilter;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.messaging.MessageIds;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.ErrorCode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Groups: who may do what (roles, policies, mutes, bans), the commands that change a group, and the
 * cached membership the send path checks.
 *
 * <h2>Rules</h2>
 *
 * The actor is a user id, or {@link #BACKEND} for the app backend, which has the owner's rights.
 * Roles rank owner &gt; admin &gt; member; moderating someone (remove, mute, ban) needs a higher
 * rank than theirs, and nobody may remove, mute, ban or demote the owner. A non-member actor gets
 * NOT_MEMBER, a member without the right FORBIDDEN. See docs/protocol.md 3.13 for the full table.
 *
 * <h2>Events</h2>
 *
 * Every change of membership, roles, mutes or profile appends a SYSTEM message to the group's
 * conversation in the same transaction (see {@link GroupStore}), so every device learns it through
 * the ordinary push, sync and pull. Members added by a change receive its event; members removed
 * receive it pushed if online, and can no longer pull the group afterwards.
 *
 * <h2>Cost</h2>
 *
 * Each group's members are cached in a hash map (bounded by {@link #MAX_CACHED_MEMBERS} members in
 * all). Every node forgets a group's entry when it hears the group changed ({@link
 * Event.GroupChanged}, on the bus, from whichever node made the change) and loads it again on next
 * use, so no node keeps a membership another node changed. A send checks one entry; fan-out uses
 * the online index of {@link Sessions}; neither touches the member list.
 *
 * <h2>Audit</h2>
 *
 * Bans and unbans are moderation, recorded in the audit log here (not by the transports), once per
 * distinct user, with the {@link Caller} the transport names; see {@link #ban}.
 *
 * <p>Thread-safe; commands block until the change is durable.
 */
public final class GroupAdmin {
  /** The actor id of the app backend (REST), which has the owner's rights. */
  public static final String BACKEND = Messenger.SYSTEM_SENDER;

  private final ContentFilter names;

  /** Longest group name, in characters; a name is a title, not a text. */
  public static final int MAX_NAME_CHARS = 128;

  /** Longest avatar URL, in characters; the common practical URL limit. */
  public static final int MAX_AVATAR_URL_CHARS = 2_048;

  /** Longest join request message, in characters; a note to the admins, not a conversation. */
  public static final int MAX_JOIN_MESSAGE_CHARS = 500;

  /**
   * Memberships cached across all groups; bounds the cache's memory (roughly 150 bytes each) while
   * holding the largest allowed group several times over.
   */
  public static final long MAX_CACHED_MEMBERS = 1_000_000;

  /** Page size when a listing asks for 0. */
  private static final int DEFAULT_PAGE = 100;

  private record Key(String app, String group) {}

  /** A group's cached record and members, as loaded; dropped (never patched) when it changes. */
  private static final class State {
    volatile GroupRecord record;
    final ConcurrentHashMap<String, Membership> members;

    State(GroupRecord record, ConcurrentHashMap<String, Membership> members) {
      this.record = record;
      this.members = members;
    }
  }

  private final GroupStore store;
  private final DirectoryStore directory;
  private final Publisher publisher;
  private final InstantSource clock;
  private final Limits limits;
  private final GroupLimits groupLimits;
  private final MessageIds ids;
  private final Audit audit;
  private final Cache<Key, State> cache =
      Caffeine.newBuilder()
          .maximumWeight(MAX_CACHED_MEMBERS)
          .<Key, State>weigher((k, s) -> 1 + s.members.size())
          .build();

  public GroupAdmin(
      GroupStore store,
      DirectoryStore directory,
      Bus bus,
      Publisher publisher,
      InstantSource clock,
      Limits limits,
      GroupLimits groupLimits,
      Audit audit) {
    this(store, directory, bus, publisher, clock, limits, groupLimits, audit, ContentFilter.NONE);
  }

  /**
   * As above, with the names and descriptions users give groups screened by {@code names} (the
   * sensitive-word filter): masked, or refused with CONTENT_REJECTED. The backend's are not.
   */
  public GroupAdmin(
      GroupStore store,
      DirectoryStore directory,
      Bus bus,
      Publisher publisher,
      InstantSource clock,
      Limits limits,
      GroupLimits groupLimits,
      Audit audit,
      ContentFilter names) {
    this.names = names;
    this.store = store;
    this.directory = directory;
    this.publisher = publisher;
    this.clock = clock;
    this.limits = limits;
    this.groupLimits = groupLimits;
    this.ids = new MessageIds(clock);
    this.audit = audit;
    bus.subscribe(Topic.nodes(), this::heard);
  }

  /** Forgets what a change made on any node (this one included) made stale. */
  private void heard(Event event) {
    switch (event) {
      case Event.GroupChanged g -> cache.invalidate(new Key(g.app(), g.group()));
      // The store removed the deleted user's memberships, in any number of groups.
      case Event.UserDeleted d -> cache.invalidateAll();
      default -> {}
    }
  }

  // ---- lookups (the hot path) ----------------------------------------------------------------

  /** A live group's short form; GROUP_NOT_FOUND if it does not exist or was deleted. */
  public Group group(String app, String id) {
    return live(app, id).record.group();
  }

  /** A live group; GROUP_NOT_FOUND if it does not exist or was deleted. */
  public GroupRecord record(String app, String id) {
    return live(app, id).record;
  }

  /**
   * The members of a group (a deleted group's too: they keep read access), as an unmodifiable live
   * view of a hash set. GROUP_NOT_FOUND if there is no such group.
   */
  public Set<String> members(String app, String group) {
    return Collections.unmodifiableSet(state(app, group).members.keySet());
  }

  /** True if {@code user} is a member of the group (deleted groups included: read access). */
  public boolean isMember(String app, String group, String user) {
    return membershipOf(app, group, user).isPresent();
  }

  /** The user's role in a live group; empty if it is not a member or the group is gone. */
  public Optional<GroupRole> role(String app, String group, String user) {
    Optional<State> s = find(app, group);
    if (s.isEmpty() || s.get().record.deleted()) {
      return Optional.empty();
    }
    return Optional.ofNullable(s.get().members.get(user)).map(Membership::role);
  }

  /** The user's membership (role and mute) in a live group; empty if none. */
  public Optional<Membership> membership(String app, String group, String user) {
    Optional<State> s = find(app, group);
    if (s.isEmpty() || s.get().record.deleted()) {
      return Optional.empty();
    }
    return Optional.ofNullable(s.get().members.get(user));
  }

  private Optional<Membership> membershipOf(String app, String group, String user) {
    return find(app, group).map(s -> s.members.get(user));
  }

  /** The live groups {@code user} is a member of; read from the store (for a session's index). */
  public Set<String> groupsOf(String app, String user) {
    return store.groupsOf(app, user);
  }

  /**
   * Checks that {@code sender} may change the group's conversation now: send or forward to it, and
   * edit, react, type or invite there (recall of one's own message, delete for me and receipts are
   * not checked: they add nothing the others must be kept from). GROUP_NOT_FOUND (missing or
   * deleted), NOT_MEMBER, MUTED (muted until a time, or the group is muted for members; the owner
   * and admins are not affected by mute-all).
   */
  public void requireSender(String app, String group, String sender) {
    State s = live(app, group);
    Membership m = s.members.get(sender);
    if (m == null) {
      throw notMember(sender, s);
    }
    requireUnmuted(s, m);
  }

  private void requireUnmuted(State s, Membership m) {
    if (m.mutedAt(clock.millis())) {
      throw new WarblerException(
          ErrorCode.MUTED,
          "user '"
              + m.user()
              + "' is muted in "
              + s.record.conversation()
              + " until "
              + Instant.ofEpochMilli(m.mutedUntil()));
    }
    if (s.record.profile().muteAll() && m.role() == GroupRole.MEMBER) {
      throw new WarblerException(
          ErrorCode.MUTED,
          s.record.conversation()
              + " is muted: only the owner and admins may send, edit, react, type or invite");
    }
  }

  /** GROUP_NOT_FOUND unless the group exists and is not deleted. */
  public void requireLive(String app, String group) {
    live(app, group);
  }

  // ---- commands ------------------------------------------------------------------------------

  /**
   * Creates a group owned by {@code owner} with {@code members} (the owner included even if not
   * listed). A user actor can only create groups it owns. A blank name becomes the id.
   */
  public GroupRecord create(
      String app,
      String id,
      String actor,
      String owner,
      Collection<String> members,
      GroupProfile profile) {
    if (directory.app(app).isEmpty()) {
      throw new WarblerException(
          ErrorCode.APP_NOT_FOUND, "app '" + Ids.clip(app) + "' does not exist");
    }
    Ids.require("group", id);
    if (!actor.equals(BACKEND) && !actor.equals(owner)) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "a user can only create groups it owns");
    }
    requireUser(app, owner);
    Set<String> all = new LinkedHashSet<>();
    all.add(owner);
    all.addAll(members);
    requireUsers(app, all);
    checkSize(all.size());
    GroupProfile p =
        checkProfile(
            new GroupProfile(
                profile.name().isBlank() ? id : screen(app, actor, id, profile.name()),
                profile.avatarUrl(),
                screen(app, actor, id, profile.description()),
                profile.custom(),
                profile.muteAll(),
                profile.joinPolicy(),
                profile.invitePolicy()));
    GroupRecord record = new GroupRecord(app, id, owner, p, clock.millis(), 0);
    Map<String, GroupRole> roles = new LinkedHashMap<>();
    all.forEach(u -> roles.put(u, u.equals(owner) ? GroupRole.OWNER : GroupRole.MEMBER));
    List<String> listed = List.copyOf(all);
    run(
        new GroupChange.Create(record, roles),
        o -> Optional.of(GroupEvents.created(actor, p.name(), listed)));
    return record;
  }

  /**
   * The group as {@code actor} sees it. Members and the backend may look at any group; others only
   * at groups they could ask to join (join policy APPROVAL or OPEN), else NOT_MEMBER.
   */
  public GroupView get(String app, String group, String actor) {
    State s = live(app, group);
    Optional<Membership> you = Optional.ofNullable(s.members.get(actor));
    if (!actor.equals(BACKEND)
        && you.isEmpty()
        && s.record.profile().joinPolicy() == JoinPolicy.INVITE_ONLY) {
      throw notMember(actor, s);
    }
    return new GroupView(s.record, you, s.members.size());
  }

  /**
   * Changes the profile and settings: admins and the owner; the join and invite policies only the
   * owner. A change of {@code muteAll} is recorded as its own event.
   */
  public GroupView update(String app, String group, String actor, GroupUpdate asked) {
    State s = live(app, group);
    GroupUpdate update = screened(app, actor, group, asked);
    requireAtLeast(s, actor, GroupRole.ADMIN, "update the group");
    if ((update.joinPolicy().isPresent() || update.invitePolicy().isPresent())
        && !ownerOrBackend(s, actor)) {
      throw new WarblerException(
          ErrorCode.FORBIDDEN, "only the owner may change the join and invite policies");
    }
    if (update.isEmpty()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "the update sets no field");
    }
    checkProfile(s.record.profile().with(update));
    Optional<Boolean> muteAll = update.muteAll();
    if (muteAll.isPresent()) {
      muteAll(app, group, actor, muteAll.get());
    }
    GroupUpdate rest = withoutMuteAll(update);
    if (!rest.isEmpty()) {
      run(
          new GroupChange.UpdateProfile(app, group, rest),
          o -> Optional.of(GroupEvents.profileUpdated(actor, rest)));
    }
    return get(app, group, actor);
  }

  /** A page of members with their roles and mutes; members and the backend only. */
  public GroupPage<Membership> members(
      String app, String group, String actor, String cursor, int limit) {
    State s = live(app, group);
    requireAtLeast(s, actor, GroupRole.MEMBER, "list the members");
    int size = pageSize(limit);
    List<Membership> found = store.members(app, group, checkCursor(cursor), size + 1);
    return page(found, size, Membership::user);
  }

  /**
   * Adds users as members: admins and the owner, and members when the invite policy is MEMBERS; not
   * while the actor is muted (MUTED, see {@link #requireSender}). BANNED if one is banned,
   * LIMIT_EXCEEDED past the member limit. Users already members are skipped. Result: the users
   * added.
   */
  public GroupResult invite(String app, String group, String actor, Collection<String> users) {
    State s = live(app, group);
    List<String> wanted = requireUsers(app, nonEmpty(users));
    if (!actor.equals(BACKEND)) {
      Membership m = s.members.get(actor);
      if (m == null) {
        throw notMember(actor, s);
      }
      if (m.role() == GroupRole.MEMBER
          && s.record.profile().invitePolicy() != InvitePolicy.MEMBERS) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "only the owner and admins may invite to " + s.record.id());
      }
      requireUnmuted(s, m);
    }
    return add(s, wanted, actor, "invite");
  }

  private GroupResult add(State s, List<String> wanted, String actor, String via) {
    String app = s.record.app();
    String group = s.record.id();
    List<String> fresh = wanted.stream().filter(u -> !s.members.containsKey(u)).toList();
    for (String u : fresh) {
      if (store.banned(app, group, u)) {
        throw new WarblerException(
            ErrorCode.BANNED, "user '" + u + "' is banned from " + s.record.conversation());
      }
    }
    checkSize(s.members.size() + fresh.size());
    return run(
        new GroupChange.AddMembers(app, group, wanted, limits.maxGroupMembers()),
        o ->
            o.users().isEmpty()
                ? Optional.empty()
                : Optional.of(GroupEvents.joined(actor, o.users(), via)));
  }

  /**
   * Removes members: admins remove members, the owner anyone but itself. Non-members are skipped.
   * Result: the users removed.
   */
  public GroupResult kick(String app, String group, String actor, Collection<String> users) {
    State s = live(app, group);
    List<String> targets = checkIds(nonEmpty(users));
    requireAtLeast(s, actor, GroupRole.ADMIN, "remove members");
    targets.forEach(t -> requireOutranks(s, actor, t, "removed"));
    return run(
        new GroupChange.RemoveMembers(app, group, targets),
        o ->
            o.removed().isEmpty()
                ? Optional.empty()
                : Optional.of(GroupEvents.removed(actor, o.removed())));
  }

  /** The actor leaves the group; the owner must transfer ownership first (FORBIDDEN). */
  public GroupResult leave(String app, String group, String actor) {
    State s = live(app, group);
    Membership m = s.members.get(actor);
    if (actor.equals(BACKEND) || m == null) {
      throw notMember(actor, s);
    }
    if (m.role() == GroupRole.OWNER) {
      throw new WarblerException(
          ErrorCode.FORBIDDEN, "the owner must transfer ownership before leaving");
    }
    return run(
        new GroupChange.RemoveMembers(app, group, List.of(actor)),
        o -> o.removed().isEmpty() ? Optional.empty() : Optional.of(GroupEvents.left(actor)));
  }

  /** Makes a member an admin or an admin a member; the owner only. Result: the user if changed. */
  public GroupResult setRole(String app, String group, String actor, String user, GroupRole role) {
    State s = live(app, group);
    requireOwner(s, actor, "change roles");
    if (role == GroupRole.OWNER) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "use transferOwnership to make someone the owner");
    }
    Membership target = requireMember(s, user);
    if (target.role() == GroupRole.OWNER) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "the owner's role cannot be changed");
    }
    return run(
        new GroupChange.SetRole(app, group, user, role),
        o ->
            o.users().isEmpty()
                ? Optional.empty()
                : Optional.of(GroupEvents.roleChanged(actor, user, role)));
  }

  /** Makes member {@code user} the owner; the old owner becomes an admin. The owner only. */
  public GroupResult transferOwnership(String app, String group, String actor, String user) {
    State s = live(app, group);
    requireOwner(s, actor, "transfer ownership");
    Membership target = requireMember(s, user);
    if (target.role() == GroupRole.OWNER) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "'" + user + "' is already the owner");
    }
    String from = s.record.owner();
    return run(
        new GroupChange.TransferOwnership(app, group, from, user),
        o -> Optional.of(GroupEvents.ownerChanged(actor, from, user)));
  }

  /**
   * Mutes a member until {@code untilMillis} (in the future): admins mute members, the owner both.
   */
  public GroupResult mute(String app, String group, String actor, String user, long untilMillis) {
    State s = live(app, group);
    requireAtLeast(s, actor, GroupRole.ADMIN, "mute members");
    requireMember(s, user);
    requireOutranks(s, actor, user, "muted");
    if (untilMillis <= clock.millis()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "until must be in the future but was " + Instant.ofEpochMilli(untilMillis));
    }
    return run(
        new GroupChange.Mute(app, group, user, untilMillis),
        o -> Optional.of(GroupEvents.muted(actor, user, untilMillis)));
  }

  /** Lifts a member's mute; the same rights as {@link #mute}. */
  public GroupResult unmute(String app, String group, String actor, String user) {
    State s = live(app, group);
    requireAtLeast(s, actor, GroupRole.ADMIN, "unmute members");
    requireMember(s, user);
    requireOutranks(s, actor, user, "unmuted");
    return run(
        new GroupChange.Mute(app, group, user, 0),
        o -> Optional.of(GroupEvents.muted(actor, user, 0)));
  }

  /** Lets only the owner and admins send (or everyone again); admins and the owner. */
  public GroupResult muteAll(String app, String group, String actor, boolean on) {
    State s = live(app, group);
    requireAtLeast(s, actor, GroupRole.ADMIN, "mute the group");
    if (s.record.profile().muteAll() == on) {
      return new GroupResult(group, 0, List.of());
    }
    return run(
        new GroupChange.UpdateProfile(app, group, GroupUpdate.builder().muteAll(on).build()),
        o -> Optional.of(GroupEvents.muteAll(actor, on)));
  }

  /**
   * Bans users (members or not) of {@code caller}'s app: removes the members among them and keeps
   * all of them out until unbanned. Admins ban members and non-members, the owner admins too.
   * Result: the users banned.
   *
   * <p>Audited: once the ban is durable, one {@code group.ban} entry per distinct user named
   * (target {@code GROUP/USER}, actor and address from {@code caller}), durable before this
   * returns; nothing when the ban is refused. {@code actor} is whose rights apply (a user id or
   * {@link #BACKEND}), {@code caller} who asked, as the audit log names them.
   */
  public GroupResult ban(Caller caller, String group, String actor, Collection<String> users) {
    String app = caller.app();
    State s = live(app, group);
    List<String> targets = requireUsers(app, nonEmpty(users));
    requireAtLeast(s, actor, GroupRole.ADMIN, "ban users");
    targets.forEach(t -> requireOutranks(s, actor, t, "banned"));
    GroupResult result =
        run(
            new GroupChange.Ban(app, group, targets, actor, clock.millis()),
            o -> Optional.of(GroupEvents.banned(actor, targets)));
    audit(caller, Audit.GROUP_BAN, group, targets);
    return result;
  }

  /**
   * Lifts bans; admins and the owner. Records no event. Result: the users that were banned. Audited
   * like {@link #ban}: one {@code group.unban} entry per distinct user named, banned or not.
   */
  public GroupResult unban(Caller caller, String group, String actor, Collection<String> users) {
    String app = caller.app();
    State s = live(app, group);
    List<String> targets = checkIds(nonEmpty(users));
    requireAtLeast(s, actor, GroupRole.ADMIN, "unban users");
    GroupResult result = run(new GroupChange.Unban(app, group, targets), o -> Optional.empty());
    audit(caller, Audit.GROUP_UNBAN, group, targets);
    return result;
  }

  /** Moderation's trace: one entry per (distinct) user, durable before the command answers. */
  private void audit(Caller caller, String action, String group, List<String> users) {
    audit.recordEachDurably(
        caller.app(),
        caller.actor(),
        caller.address(),
        action,
        users.stream().map(u -> group + "/" + u).toList(),
        "");
  }

  /**
   * The actor asks to join: joins at once when the join policy is OPEN, leaves a request for the
   * admins under APPROVAL, FORBIDDEN when INVITE_ONLY. BANNED when banned, ALREADY_EXISTS for a
   * member. Result: the actor; the seq is 0 while the request waits.
   */
  public GroupResult requestJoin(String app, String group, String actor, String message) {
    State s = live(app, group);
    if (actor.equals(BACKEND)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "the app backend adds members with invite");
    }
    if (s.members.containsKey(actor)) {
      throw new WarblerException(
          ErrorCode.ALREADY_EXISTS,
          "user '" + actor + "' is already a member of " + s.record.conversation());
    }
    if (store.banned(app, group, actor)) {
      throw new WarblerException(
          ErrorCode.BANNED, "user '" + actor + "' is banned from " + s.record.conversation());
    }
    if (message.length() > MAX_JOIN_MESSAGE_CHARS) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "message must be at most " + MAX_JOIN_MESSAGE_CHARS + " characters");
    }
    return switch (s.record.profile().joinPolicy()) {
      case INVITE_ONLY ->
          throw new WarblerException(
              ErrorCode.FORBIDDEN,
              s.record.conversation() + " is invite-only: ask an admin to invite you");
      case OPEN -> add(s, List.of(actor), actor, "open");
      case APPROVAL ->
          run(
              new GroupChange.RequestJoin(
                  app, group, actor, message, clock.millis(), groupLimits.maxJoinRequests()),
              o -> Optional.empty());
    };
  }

  /**
   * Accepts join requests: the users become members. Admins and the owner; NOT_FOUND for a user
   * without a pending request. Result: the users added.
   */
  public GroupResult approveJoin(String app, String group, String actor, Collection<String> users) {
    State s = live(app, group);
    List<String> targets = checkIds(nonEmpty(users));
    requireAtLeast(s, actor, GroupRole.ADMIN, "approve join requests");
    requirePending(app, group, targets);
    requireUsers(app, targets);
    return add(s, targets, actor, "approval");
  }

  /** Refuses join requests; admins and the owner. Records no event. */
  public GroupResult rejectJoin(String app, String group, String actor, Collection<String> users) {
    State s = live(app, group);
    List<String> targets = checkIds(nonEmpty(users));
    requireAtLeast(s, actor, GroupRole.ADMIN, "reject join requests");
    requirePending(app, group, targets);
    return run(new GroupChange.RemoveJoinRequests(app, group, targets), o -> Optional.empty());
  }

  /** A page of pending join requests; admins and the owner. */
  public GroupPage<JoinRequest> joinRequests(
      String app, String group, String actor, String cursor, int limit) {
    State s = live(app, group);
    requireAtLeast(s, actor, GroupRole.ADMIN, "list join requests");
    int size = pageSize(limit);
    return page(
        store.joinRequests(app, group, checkCursor(cursor), size + 1), size, JoinRequest::user);
  }

  /**
   * Deletes the group: a final event, then nobody can send and the group is gone from lookups;
   * members keep reading the history. The owner only.
   */
  public GroupResult delete(String app, String group, String actor) {
    State s = live(app, group);
    requireOwner(s, actor, "delete the group");
    return run(
        new GroupChange.Delete(app, group, clock.millis()),
        o -> Optional.of(GroupEvents.deleted(actor)));
  }

  // ---- applying changes ----------------------------------------------------------------------

  private GroupResult run(
      GroupChange change, Function<GroupChange.Outcome, Optional<GroupEvents.Event>> event) {
    String app = change.app();
    String group = change.group();
    GroupChange.Applied applied =
        await(
            store
                .apply(change, o -> event.apply(o).map(e -> eventMessage(app, group, e)))
                .thenApply(a -> {
                  publisher.publish(new Event.GroupChanged(a.outcome(), a.event()));
                  return a;
                }));
    return new GroupResult(
        group, applied.event().map(ChatMessage::seq).orElse(0L), applied.outcome().users());
  }

  private NewMessage eventMessage(String app, String group, GroupEvents.Event e) {
    String id = ids.next();
    return new NewMessage(
        app,
        ConversationId.group(group),
        id,
        GroupEvents.clientMsgId(id),
        BACKEND,
        MessageType.SYSTEM,
        e.text(),
        e.payload(),
        clock.millis());
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof WarblerException w) {
        throw w;
      }
      throw new IllegalStateException("group change failed", e.getCause());
    }
  }

  // ---- state and rules -----------------------------------------------------------------------

  private Optional<State> find(String app, String group) {
    try {
      return Optional.of(state(app, group));
    } catch (WarblerException e) {
      if (e.code() == ErrorCode.GROUP_NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private State state(String app, String group) {
    if (!Ids.valid(group)) {
      throw groupNotFound(group);
    }
    return cache.get(new Key(app, group), this::load);
  }

  private State live(String app, String group) {
    State s = state(app, group);
    if (s.record.deleted()) {
      throw groupNotFound(group);
    }
    return s;
  }

  private State load(Key k) {
    GroupRecord record =
        store.group(k.app(), k.group()).orElseThrow(() -> groupNotFound(k.group()));
    List<Membership> all = store.memberships(k.app(), k.group());
    ConcurrentHashMap<String, Membership> members = new ConcurrentHashMap<>(all.size() * 2);
    all.forEach(m -> members.put(m.user(), m));
    return new State(record, members);
  }

  private static WarblerException groupNotFound(String group) {
    return new WarblerException(
        ErrorCode.GROUP_NOT_FOUND, "group '" + Ids.clip(group) + "' does not exist");
  }

  private static WarblerException notMember(String user, State s) {
    return new WarblerException(
        ErrorCode.NOT_MEMBER,
        (user.equals(BACKEND) ? "the app backend" : "user '" + user + "'")
            + " is not a member of "
            + s.record.conversation());
  }

  private static int rank(State s, String user) {
    if (user.equals(BACKEND)) {
      return GroupRole.OWNER.rank() + 1;
    }
    Membership m = s.members.get(user);
    return m == null ? 0 : m.role().rank();
  }

  private static void requireAtLeast(State s, String actor, GroupRole role, String what) {
    if (actor.equals(BACKEND)) {
      return;
    }
    Membership m = s.members.get(actor);
    if (m == null) {
      throw notMember(actor, s);
    }
    if (m.role().rank() < role.rank()) {
      throw new WarblerException(
          ErrorCode.FORBIDDEN,
          "a " + m.role().wireName() + " cannot " + what + " of " + s.record.conversation());
    }
  }

  private static void requireOwner(State s, String actor, String what) {
    requireAtLeast(s, actor, GroupRole.MEMBER, what);
    if (!ownerOrBackend(s, actor)) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "only the owner may " + what);
    }
  }

  private static boolean ownerOrBackend(State s, String actor) {
    if (actor.equals(BACKEND)) {
      return true;
    }
    Membership m = s.members.get(actor);
    return m != null && m.role() == GroupRole.OWNER;
  }

  private static void requireOutranks(State s, String actor, String target, String what) {
    Membership t = s.members.get(target);
    if (t != null && t.role() == GroupRole.OWNER) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "the owner cannot be " + what);
    }
    int targetRank = t == null ? 0 : t.role().rank();
    if (rank(s, actor) <= targetRank) {
      throw new WarblerException(
          ErrorCode.FORBIDDEN,
          "an " + GroupRole.ADMIN.wireName() + " cannot be " + what + " by another admin");
    }
  }

  private static Membership requireMember(State s, String user) {
    Membership m = s.members.get(user);
    if (m == null) {
      throw notMember(user, s);
    }
    return m;
  }

  private void requirePending(String app, String group, List<String> users) {
    for (String u : users) {
      if (store.joinRequest(app, group, u).isEmpty()) {
        throw new WarblerException(ErrorCode.NOT_FOUND, "no pending join request from '" + u + "'");
      }
    }
  }

  private void requireUser(String app, String user) {
    Ids.require("user", user);
    if (directory.user(app, user).isEmpty()) {
      throw new WarblerException(
          ErrorCode.USER_NOT_FOUND, "user '" + Ids.clip(user) + "' does not exist");
    }
  }

  private List<String> requireUsers(String app, Collection<String> users) {
    List<String> list = checkIds(users);
    list.forEach(u -> requireUser(app, u));
    return list;
  }

  private static List<String> checkIds(Collection<String> users) {
    Set<String> unique = new LinkedHashSet<>();
    for (String u : users) {
      unique.add(Ids.require("user", u));
    }
    return List.copyOf(unique);
  }

  private static Collection<String> nonEmpty(Collection<String> users) {
    if (users.isEmpty()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "users must list at least one user");
    }
    return users;
  }

  private void checkSize(int size) {
    if (size > limits.maxGroupMembers()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "a group may have at most "
              + limits.maxGroupMembers()
              + " members (limits.max-group-members) but would have "
              + size);
    }
  }

  private int pageSize(int limit) {
    if (limit < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "limit must be >= 0");
    }
    return limit == 0
        ? Math.min(DEFAULT_PAGE, groupLimits.pageMax())
        : Math.min(limit, groupLimits.pageMax());
  }

  private static String checkCursor(String cursor) {
    if (!cursor.isEmpty() && !Ids.valid(cursor)) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "cursor is not valid");
    }
    return cursor;
  }

  private static <T> GroupPage<T> page(List<T> found, int size, Function<T, String> user) {
    boolean more = found.size() > size;
    List<T> items = more ? found.subList(0, size) : found;
    return new GroupPage<>(
        items, more ? Optional.of(user.apply(items.get(items.size() - 1))) : Optional.empty());
  }

  /** A user's text for a group's name or description, screened by the content filter. */
  private String screen(String app, String actor, String group, String text) {
    if (actor.equals(BACKEND) || text.isEmpty()) {
      return text;
    }
    // Names are not messages: a review match has nothing to queue and lets the text pass.
    return names.screen(app, actor, ConversationId.group(group), text).text();
  }

  private GroupUpdate screened(String app, String actor, String group, GroupUpdate u) {
    if (actor.equals(BACKEND) || (u.name().isEmpty() && u.description().isEmpty())) {
      return u;
    }
    GroupUpdate.Builder b = GroupUpdate.builder();
    u.name().ifPresent(n -> b.name(screen(app, actor, group, n)));
    u.avatarUrl().ifPresent(b::avatarUrl);
    u.description().ifPresent(d -> b.description(screen(app, actor, group, d)));
    u.custom().ifPresent(b::custom);
    u.muteAll().ifPresent(b::muteAll);
    u.joinPolicy().ifPresent(b::joinPolicy);
    u.invitePolicy().ifPresent(b::invitePolicy);
    return b.build();
  }

  private static GroupUpdate withoutMuteAll(GroupUpdate u) {
    GroupUpdate.Builder b = GroupUpdate.builder();
    u.name().ifPresent(b::name);
    u.avatarUrl().ifPresent(b::avatarUrl);
    u.description().ifPresent(b::description);
    u.custom().ifPresent(b::custom);
    u.joinPolicy().ifPresent(b::joinPolicy);
    u.invitePolicy().ifPresent(b::invitePolicy);
    return b.build();
  }

  /** Validates a whole profile; returns it. */
  private GroupProfile checkProfile(GroupProfile p) {
    if (p.name().isBlank()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "name must not be blank");
    }
    if (p.name().length() > MAX_NAME_CHARS) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "name must be at most " + MAX_NAME_CHARS + " characters");
    }
    checkUrl(p.avatarUrl());
    if (!p.custom().isEmpty()) {
      checkJsonObject(p.custom());
    }
    int bytes = utf8(p.name()) + utf8(p.avatarUrl()) + utf8(p.description()) + utf8(p.custom());
    if (bytes > groupLimits.maxProfileBytes()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "name, avatarUrl, description and custom are "
              + bytes
              + " bytes; the limit (limits.max-group-profile-bytes) is "
              + groupLimits.maxProfileBytes());
    }
    return p;
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static void checkUrl(String url) {
    if (url.isEmpty()) {
      return;
    }
    boolean ok = url.length() <= MAX_AVATAR_URL_CHARS && url.chars().noneMatch(c -> c <= ' ');
    if (ok) {
      try {
        URI uri = new URI(url);
        ok =
            ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                && uri.getHost() != null;
      } catch (java.net.URISyntaxException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "avatarUrl must be an http(s) URL of at most "
              + MAX_AVATAR_URL_CHARS
              + " characters, or empty");
    }
  }

  private static void checkJsonObject(String json) {
    Value.Builder value = Value.newBuilder();
    try {
      JsonFormat.parser().merge(json, value);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "custom must be a JSON object");
    }
    if (!value.hasStructValue()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "custom must be a JSON object");
    }
  }
}
