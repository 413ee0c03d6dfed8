package dev.warbler.store.postgres;

import dev.warbler.core.WarblerException;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.GroupRole;
import dev.warbler.core.groups.GroupUpdate;
import dev.warbler.core.groups.InvitePolicy;
import dev.warbler.core.groups.JoinPolicy;
import dev.warbler.core.groups.JoinRequest;
import dev.warbler.core.groups.Membership;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.protocol.ErrorCode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Groups in the PostgreSQL database: profile columns of {@code chat_groups}, roles and mutes on
 * {@code members}, {@code group_bans} and {@code group_join_requests}. Writes go through the {@link
 * PostgresDatabase}'s writer, so a change and its event message share one transaction.
 */
final class PostgresGroupStore implements GroupStore {

  private static final String MEMBER_COLUMNS = "user_id, role, muted_until";

  private final PostgresDatabase db;
  private final PostgresMessageStore messages;

  PostgresGroupStore(PostgresDatabase db, PostgresMessageStore messages) {
    this.db = db;
    this.messages = messages;
  }

  // ---- reads -------------------------------------------------------------------------------

  @Override
  public Optional<GroupRecord> group(String app, String id) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT name, owner, created_at, avatar_url, description, custom, mute_all,"
                  + " join_policy, invite_policy, deleted_at FROM chat_groups"
                  + " WHERE app = ? AND id = ?")) {
        ps.setString(1, app);
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          GroupProfile profile =
              new GroupProfile(
                  rs.getString(1),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getInt(7) != 0,
                  JoinPolicy.parse(rs.getString(8)).orElse(JoinPolicy.INVITE_ONLY),
                  InvitePolicy.parse(rs.getString(9)).orElse(InvitePolicy.ADMINS));
          return Optional.of(
              new GroupRecord(app, id, rs.getString(2), profile, rs.getLong(3), rs.getLong(10)));
        }
      }
    });
  }

  @Override
  public List<Membership> memberships(String app, String group) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT " + MEMBER_COLUMNS + " FROM members WHERE app = ? AND conversation = ?")) {
        ps.setString(1, app);
        ps.setString(2, conversation(group));
        return memberships(ps);
      }
    });
  }

  @Override
  public List<Membership> members(String app, String group, String afterUser, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + MEMBER_COLUMNS
                  + " FROM members WHERE app = ? AND conversation = ? AND user_id > ?"
                  + " ORDER BY user_id LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, conversation(group));
        ps.setString(3, afterUser);
        ps.setInt(4, limit);
        return memberships(ps);
      }
    });
  }

  private static List<Membership> memberships(PreparedStatement ps) throws SQLException {
    List<Membership> list = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        list.add(
            new Membership(
                rs.getString(1),
                GroupRole.parse(rs.getString(2)).orElse(GroupRole.MEMBER),
                rs.getLong(3)));
      }
    }
    return list;
  }

  @Override
  public Set<String> groupsOf(String app, String user) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT g.id FROM members m JOIN chat_groups g"
                  + " ON g.app = m.app AND g.id = substr(m.conversation, 3)"
                  + " WHERE m.app = ? AND m.user_id = ? AND m.conversation LIKE 'g:%'"
                  + " AND g.deleted_at = 0")) {
        ps.setString(1, app);
        ps.setString(2, user);
        Set<String> groups = new HashSet<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            groups.add(rs.getString(1));
          }
        }
        return groups;
      }
    });
  }

  @Override
  public boolean banned(String app, String group, String user) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT 1 FROM group_bans WHERE app = ? AND group_id = ? AND user_id = ?")) {
        ps.setString(1, app);
        ps.setString(2, group);
        ps.setString(3, user);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  @Override
  public Optional<JoinRequest> joinRequest(String app, String group, String user) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT user_id, message, requested_at FROM group_join_requests"
                  + " WHERE app = ? AND group_id = ? AND user_id = ?")) {
        ps.setString(1, app);
        ps.setString(2, group);
        ps.setString(3, user);
        return joinRequests(ps).stream().findFirst();
      }
    });
  }

  @Override
  public List<JoinRequest> joinRequests(String app, String group, String afterUser, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT r.user_id, r.message, r.requested_at FROM group_join_requests r"
                  + " JOIN users u ON u.app = r.app AND u.id = r.user_id"
                  + " WHERE r.app = ? AND r.group_id = ? AND r.user_id > ?"
                  + " ORDER BY r.user_id LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, group);
        ps.setString(3, afterUser);
        ps.setInt(4, limit);
        return joinRequests(ps);
      }
    });
  }

  private static List<JoinRequest> joinRequests(PreparedStatement ps) throws SQLException {
    List<JoinRequest> list = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        list.add(new JoinRequest(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
    }
    return list;
  }

  // ---- writes ------------------------------------------------------------------------------

  @Override
  public CompletableFuture<GroupChange.Applied> apply(
      GroupChange change, Function<GroupChange.Outcome, Optional<NewMessage>> event) {
    return db.writer()
        .submit(
            w -> {
              GroupChange.Outcome outcome = applyInTransaction(w, change);
              Optional<NewMessage> message = event.apply(outcome);
              Optional<ChatMessage> stored = Optional.empty();
              if (message.isPresent()) {
                stored = Optional.of(messages.appendInTransaction(w, message.get()).message());
              }
              return new GroupChange.Applied(outcome, stored);
            },
            applied -> {});
  }

  private GroupChange.Outcome applyInTransaction(PostgresWriter w, GroupChange change)
      throws SQLException {
    if (!(change instanceof GroupChange.Create)) {
      requireLive(w, change.app(), change.group());
    }
    return switch (change) {
      case GroupChange.Create c -> create(w, c);
      case GroupChange.AddMembers a -> addMembers(w, a);
      case GroupChange.RemoveMembers r -> removeMembers(w, r);
      case GroupChange.SetRole r -> setRole(w, r);
      case GroupChange.TransferOwnership t -> transfer(w, t);
      case GroupChange.Mute m -> mute(w, m);
      case GroupChange.UpdateProfile u -> updateProfile(w, u);
      case GroupChange.Ban b -> ban(w, b);
      case GroupChange.Unban u -> unban(w, u);
      case GroupChange.RequestJoin r -> requestJoin(w, r);
      case GroupChange.RemoveJoinRequests r -> removeJoinRequests(w, r);
      case GroupChange.Delete d -> delete(w, d);
    };
  }

  private static void requireLive(PostgresWriter w, String app, String group) throws SQLException {
    PreparedStatement ps =
        // Locks the group's row until the commit: changes of one group from several nodes run one
        // after the other, each seeing what the one before committed.
        w.statement("SELECT deleted_at FROM chat_groups WHERE app = ? AND id = ? FOR UPDATE");
    ps.setString(1, app);
    ps.setString(2, group);
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next() || rs.getLong(1) > 0) {
        throw new WarblerException(
            ErrorCode.GROUP_NOT_FOUND, "group '" + group + "' does not exist");
      }
    }
  }

  private GroupChange.Outcome create(PostgresWriter w, GroupChange.Create c) throws SQLException {
    GroupRecord g = c.record();
    GroupProfile p = g.profile();
    PreparedStatement ps =
        w.statement(
            "INSERT INTO chat_groups (app, id, name, owner, created_at, avatar_url, description,"
                + " custom, mute_all, join_policy, invite_policy, deleted_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING");
    ps.setString(1, g.app());
    ps.setString(2, g.id());
    ps.setString(3, p.name());
    ps.setString(4, g.owner());
    ps.setLong(5, g.createdAt());
    ps.setString(6, p.avatarUrl());
    ps.setString(7, p.description());
    ps.setString(8, p.custom());
    ps.setInt(9, p.muteAll() ? 1 : 0);
    ps.setString(10, p.joinPolicy().name());
    ps.setString(11, p.invitePolicy().name());
    if (ps.executeUpdate() == 0) {
      throw new WarblerException(ErrorCode.ALREADY_EXISTS, "group '" + g.id() + "' already exists");
    }
    long pos = db.nextChangePosition();
    PreparedStatement conv =
        w.statement(
            "INSERT INTO conversations (app, id, last_seq, change_pos) VALUES (?, ?, 0, ?)"
                + " ON CONFLICT DO NOTHING");
    conv.setString(1, g.app());
    conv.setString(2, conversation(g.id()));
    conv.setLong(3, pos);
    conv.executeUpdate();
    List<String> users = new ArrayList<>();
    for (Map.Entry<String, GroupRole> e : c.members().entrySet()) {
      if (insertMember(w, g.app(), g.id(), e.getKey(), e.getValue(), pos)) {
        users.add(e.getKey());
      }
    }
    return new GroupChange.Outcome(c, users, List.of());
  }

  private static boolean insertMember(
      PostgresWriter w, String app, String group, String user, GroupRole role, long pos)
      throws SQLException {
    PreparedStatement ps =
        w.statement(
            "INSERT INTO members (app, conversation, user_id, read_seq, change_pos, role,"
                + " muted_until) VALUES (?, ?, ?, 0, ?, ?, 0) ON CONFLICT DO NOTHING");
    ps.setString(1, app);
    ps.setString(2, conversation(group));
    ps.setString(3, user);
    ps.setLong(4, pos);
    ps.setString(5, role.wireName());
    return ps.executeUpdate() == 1;
  }

  private GroupChange.Outcome addMembers(PostgresWriter w, GroupChange.AddMembers a)
      throws SQLException {
    for (String user : a.users()) {
      if (isBanned(w, a.app(), a.group(), user)) {
        throw new WarblerException(
            ErrorCode.BANNED, "user '" + user + "' is banned from g:" + a.group());
      }
    }
    long before = memberCount(w, a.app(), a.group());
    long pos = db.nextChangePosition();
    List<String> added = new ArrayList<>();
    for (String user : a.users()) {
      if (insertMember(w, a.app(), a.group(), user, GroupRole.MEMBER, pos)) {
        added.add(user);
      }
    }
    if (before + added.size() > a.maxMembers()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "a group may have at most "
              + a.maxMembers()
              + " members (limits.max-group-members) but would have "
              + (before + added.size()));
    }
    deleteJoinRequests(w, a.app(), a.group(), a.users());
    if (!added.isEmpty()) {
      moveConversation(w, a.app(), a.group(), db.nextChangePosition());
    }
    return new GroupChange.Outcome(a, added, List.of());
  }

  private GroupChange.Outcome removeMembers(PostgresWriter w, GroupChange.RemoveMembers r)
      throws SQLException {
    List<String> removed = new ArrayList<>();
    for (String user : r.users()) {
      if (role(w, r.app(), r.group(), user).orElse(null) == GroupRole.OWNER) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "the owner '" + user + "' cannot be removed from the group");
      }
      if (deleteMember(w, r.app(), r.group(), user)) {
        removed.add(user);
      }
    }
    if (!removed.isEmpty()) {
      moveConversation(w, r.app(), r.group(), db.nextChangePosition());
    }
    return new GroupChange.Outcome(r, removed, removed);
  }

  private static GroupChange.Outcome setRole(PostgresWriter w, GroupChange.SetRole r)
      throws SQLException {
    Optional<GroupRole> current = role(w, r.app(), r.group(), r.user());
    if (current.isEmpty()) {
      throw notMember(r.user(), r.group());
    }
    if (current.get() == GroupRole.OWNER || r.role() == GroupRole.OWNER) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "ownership changes only by transferring it");
    }
    if (current.get() == r.role()) {
      return new GroupChange.Outcome(r, List.of(), List.of());
    }
    setRole(w, r.app(), r.group(), r.user(), r.role());
    return new GroupChange.Outcome(r, List.of(r.user()), List.of());
  }

  private static GroupChange.Outcome transfer(PostgresWriter w, GroupChange.TransferOwnership t)
      throws SQLException {
    if (role(w, t.app(), t.group(), t.to()).isEmpty()) {
      throw notMember(t.to(), t.group());
    }
    if (role(w, t.app(), t.group(), t.from()).orElse(null) == GroupRole.OWNER) {
      setRole(w, t.app(), t.group(), t.from(), GroupRole.ADMIN);
    }
    setRole(w, t.app(), t.group(), t.to(), GroupRole.OWNER);
    PreparedStatement ps = w.statement("UPDATE chat_groups SET owner = ? WHERE app = ? AND id = ?");
    ps.setString(1, t.to());
    ps.setString(2, t.app());
    ps.setString(3, t.group());
    ps.executeUpdate();
    return new GroupChange.Outcome(t, List.of(t.to()), List.of());
  }

  private static GroupChange.Outcome mute(PostgresWriter w, GroupChange.Mute m)
      throws SQLException {
    PreparedStatement ps =
        w.statement(
            "UPDATE members SET muted_until = ? WHERE app = ? AND conversation = ? AND user_id = ?");
    ps.setLong(1, m.until());
    ps.setString(2, m.app());
    ps.setString(3, conversation(m.group()));
    ps.setString(4, m.user());
    if (ps.executeUpdate() == 0) {
      throw notMember(m.user(), m.group());
    }
    return new GroupChange.Outcome(m, List.of(m.user()), List.of());
  }

  private static GroupChange.Outcome updateProfile(PostgresWriter w, GroupChange.UpdateProfile u)
      throws SQLException {
    GroupUpdate up = u.update();
    if (up.name().isPresent()) {
      setColumn(w, "name", up.name().get(), u);
    }
    if (up.avatarUrl().isPresent()) {
      setColumn(w, "avatar_url", up.avatarUrl().get(), u);
    }
    if (up.description().isPresent()) {
      setColumn(w, "description", up.description().get(), u);
    }
    if (up.custom().isPresent()) {
      setColumn(w, "custom", up.custom().get(), u);
    }
    if (up.muteAll().isPresent()) {
      setColumn(w, "mute_all", up.muteAll().get() ? 1 : 0, u);
    }
    if (up.joinPolicy().isPresent()) {
      setColumn(w, "join_policy", up.joinPolicy().get().name(), u);
    }
    if (up.invitePolicy().isPresent()) {
      setColumn(w, "invite_policy", up.invitePolicy().get().name(), u);
    }
    return new GroupChange.Outcome(u, List.of(), List.of());
  }

  /** {@code column} is one of the fixed names above, never input. */
  private static void setColumn(
      PostgresWriter w, String column, Object value, GroupChange.UpdateProfile u)
      throws SQLException {
    PreparedStatement ps =
        w.statement("UPDATE chat_groups SET " + column + " = ? WHERE app = ? AND id = ?");
    ps.setObject(1, value);
    ps.setString(2, u.app());
    ps.setString(3, u.group());
    ps.executeUpdate();
  }

  private GroupChange.Outcome ban(PostgresWriter w, GroupChange.Ban b) throws SQLException {
    List<String> removed = new ArrayList<>();
    PreparedStatement insert =
        w.statement(
            "INSERT INTO group_bans (app, group_id, user_id, banned_by, banned_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    for (String user : b.users()) {
      if (role(w, b.app(), b.group(), user).orElse(null) == GroupRole.OWNER) {
        throw new WarblerException(ErrorCode.FORBIDDEN, "the owner cannot be banned");
      }
      if (deleteMember(w, b.app(), b.group(), user)) {
        removed.add(user);
      }
      insert.setString(1, b.app());
      insert.setString(2, b.group());
      insert.setString(3, user);
      insert.setString(4, b.by());
      insert.setLong(5, b.at());
      insert.executeUpdate();
    }
    deleteJoinRequests(w, b.app(), b.group(), b.users());
    if (!removed.isEmpty()) {
      moveConversation(w, b.app(), b.group(), db.nextChangePosition());
    }
    return new GroupChange.Outcome(b, b.users(), removed);
  }

  private static GroupChange.Outcome unban(PostgresWriter w, GroupChange.Unban u)
      throws SQLException {
    PreparedStatement ps =
        w.statement("DELETE FROM group_bans WHERE app = ? AND group_id = ? AND user_id = ?");
    List<String> lifted = new ArrayList<>();
    for (String user : u.users()) {
      ps.setString(1, u.app());
      ps.setString(2, u.group());
      ps.setString(3, user);
      if (ps.executeUpdate() == 1) {
        lifted.add(user);
      }
    }
    return new GroupChange.Outcome(u, lifted, List.of());
  }

  private static GroupChange.Outcome requestJoin(PostgresWriter w, GroupChange.RequestJoin r)
      throws SQLException {
    if (isBanned(w, r.app(), r.group(), r.user())) {
      throw new WarblerException(
          ErrorCode.BANNED, "user '" + r.user() + "' is banned from g:" + r.group());
    }
    if (role(w, r.app(), r.group(), r.user()).isPresent()) {
      throw new WarblerException(
          ErrorCode.ALREADY_EXISTS, "user '" + r.user() + "' is already a member");
    }
    PreparedStatement existing =
        w.statement(
            "SELECT 1 FROM group_join_requests WHERE app = ? AND group_id = ? AND user_id = ?");
    existing.setString(1, r.app());
    existing.setString(2, r.group());
    existing.setString(3, r.user());
    boolean replacing;
    try (ResultSet rs = existing.executeQuery()) {
      replacing = rs.next();
    }
    if (!replacing) {
      PreparedStatement count =
          w.statement("SELECT count(*) FROM group_join_requests WHERE app = ? AND group_id = ?");
      count.setString(1, r.app());
      count.setString(2, r.group());
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        if (rs.getLong(1) >= r.maxRequests()) {
          throw new WarblerException(
              ErrorCode.LIMIT_EXCEEDED,
              "g:"
                  + r.group()
                  + " already has "
                  + r.maxRequests()
                  + " pending join requests (limits.max-join-requests)");
        }
      }
    }
    PreparedStatement ps =
        w.statement(
            "INSERT INTO group_join_requests (app, group_id, user_id, message, requested_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (app, group_id, user_id) DO UPDATE SET"
                + " message = excluded.message, requested_at = excluded.requested_at");
    ps.setString(1, r.app());
    ps.setString(2, r.group());
    ps.setString(3, r.user());
    ps.setString(4, r.message());
    ps.setLong(5, r.at());
    ps.executeUpdate();
    return new GroupChange.Outcome(r, List.of(r.user()), List.of());
  }

  private static GroupChange.Outcome removeJoinRequests(
      PostgresWriter w, GroupChange.RemoveJoinRequests r) throws SQLException {
    return new GroupChange.Outcome(
        r, deleteJoinRequests(w, r.app(), r.group(), r.users()), List.of());
  }

  private static GroupChange.Outcome delete(PostgresWriter w, GroupChange.Delete d)
      throws SQLException {
    PreparedStatement ps =
        w.statement("UPDATE chat_groups SET deleted_at = ? WHERE app = ? AND id = ?");
    ps.setLong(1, d.at());
    ps.setString(2, d.app());
    ps.setString(3, d.group());
    ps.executeUpdate();
    for (String table : List.of("group_bans", "group_join_requests")) {
      PreparedStatement clear =
          w.statement("DELETE FROM " + table + " WHERE app = ? AND group_id = ?");
      clear.setString(1, d.app());
      clear.setString(2, d.group());
      clear.executeUpdate();
    }
    PreparedStatement members =
        w.statement("SELECT user_id FROM members WHERE app = ? AND conversation = ?");
    members.setString(1, d.app());
    members.setString(2, conversation(d.group()));
    List<String> all = new ArrayList<>();
    try (ResultSet rs = members.executeQuery()) {
      while (rs.next()) {
        all.add(rs.getString(1));
      }
    }
    return new GroupChange.Outcome(d, List.of(), all);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static Optional<GroupRole> role(PostgresWriter w, String app, String group, String user)
      throws SQLException {
    PreparedStatement ps =
        w.statement("SELECT role FROM members WHERE app = ? AND conversation = ? AND user_id = ?");
    ps.setString(1, app);
    ps.setString(2, conversation(group));
    ps.setString(3, user);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next()
          ? Optional.of(GroupRole.parse(rs.getString(1)).orElse(GroupRole.MEMBER))
          : Optional.empty();
    }
  }

  private static void setRole(
      PostgresWriter w, String app, String group, String user, GroupRole role) throws SQLException {
    PreparedStatement ps =
        w.statement(
            "UPDATE members SET role = ? WHERE app = ? AND conversation = ? AND user_id = ?");
    ps.setString(1, role.wireName());
    ps.setString(2, app);
    ps.setString(3, conversation(group));
    ps.setString(4, user);
    ps.executeUpdate();
  }

  private static boolean deleteMember(PostgresWriter w, String app, String group, String user)
      throws SQLException {
    PreparedStatement ps =
        w.statement("DELETE FROM members WHERE app = ? AND conversation = ? AND user_id = ?");
    ps.setString(1, app);
    ps.setString(2, conversation(group));
    ps.setString(3, user);
    return ps.executeUpdate() == 1;
  }

  private static boolean isBanned(PostgresWriter w, String app, String group, String user)
      throws SQLException {
    PreparedStatement ps =
        w.statement("SELECT 1 FROM group_bans WHERE app = ? AND group_id = ? AND user_id = ?");
    ps.setString(1, app);
    ps.setString(2, group);
    ps.setString(3, user);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }

  private static long memberCount(PostgresWriter w, String app, String group) throws SQLException {
    PreparedStatement ps =
        w.statement("SELECT count(*) FROM members WHERE app = ? AND conversation = ?");
    ps.setString(1, app);
    ps.setString(2, conversation(group));
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<String> deleteJoinRequests(
      PostgresWriter w, String app, String group, List<String> users) throws SQLException {
    PreparedStatement ps =
        w.statement(
            "DELETE FROM group_join_requests WHERE app = ? AND group_id = ? AND user_id = ?");
    List<String> deleted = new ArrayList<>();
    for (String user : users) {
      ps.setString(1, app);
      ps.setString(2, group);
      ps.setString(3, user);
      if (ps.executeUpdate() == 1) {
        deleted.add(user);
      }
    }
    return deleted;
  }

  private static void moveConversation(PostgresWriter w, String app, String group, long pos)
      throws SQLException {
    PreparedStatement ps =
        w.statement("UPDATE conversations SET change_pos = ? WHERE app = ? AND id = ?");
    ps.setLong(1, pos);
    ps.setString(2, app);
    ps.setString(3, conversation(group));
    ps.executeUpdate();
  }

  private static WarblerException notMember(String user, String group) {
    return new WarblerException(
        ErrorCode.NOT_MEMBER, "user '" + user + "' is not a member of g:" + group);
  }

  private static String conversation(String group) {
    return ConversationId.group(group).toString();
  }
}
