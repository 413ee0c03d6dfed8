package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.CreateGroup;
import dev.warbler.protocol.v1.GetGroup;
import dev.warbler.protocol.v1.GroupAck;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.GroupInfo;
import dev.warbler.protocol.v1.GroupRole;
import dev.warbler.protocol.v1.GroupUsers;
import dev.warbler.protocol.v1.InvitePolicy;
import dev.warbler.protocol.v1.JoinPolicy;
import dev.warbler.protocol.v1.LeaveGroup;
import dev.warbler.protocol.v1.ListGroupMembers;
import dev.warbler.protocol.v1.ListJoinRequests;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MuteGroup;
import dev.warbler.protocol.v1.MuteGroupMember;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.RequestJoinGroup;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SetMemberRole;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.protocol.v1.TransferGroupOwnership;
import dev.warbler.protocol.v1.UnmuteGroupMember;
import dev.warbler.protocol.v1.UpdateGroup;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups over real sockets against a real node: every role rule, moderation, the join flows, the
 * SYSTEM events in the seq stream, deletion, the member limit and the REST operations.
 */
class GroupsEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final int LIMIT = 6;
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static TestServer node;
  private final List<RawClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() {
    node =
        TestServer.start(
            dir,
            Map.of(
                Setting.LIMITS_MAX_GROUP_MEMBERS,
                String.valueOf(LIMIT),
                Setting.LIMITS_MAX_GROUP_PROFILE_BYTES,
                "1024"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(RawClient::close);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Users unique to the calling test: prefix + a number. */
  private static String user(String prefix) {
    String id = prefix + ids.incrementAndGet();
    node.createUser("default", id);
    return id;
  }

  private static String newGroup() {
    return "g" + ids.incrementAndGet();
  }

  /** Creates a group through REST as the backend. */
  private static void group(String id, String owner, String... members) {
    TestServer.Reply r =
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of("id", id, "owner", owner, "members", List.of(members)));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  private RawClient login(String user) {
    RawClient c = RawClient.connect(node.ws(), ids.get() % 2 == 0 ? Encoding.JSON : Encoding.PROTO);
    clients.add(c);
    ServerFrame ok =
        c.request(
            ClientFrame.newBuilder()
                .setId("auth")
                .setAuth(Auth.newBuilder().setToken(node.token("default", user)))
                .build());
    assertThat(ok.hasAuthOk()).as(ok.toString()).isTrue();
    return c;
  }

  private static ServerFrame cmd(RawClient c, String group, Consumer<GroupCommand.Builder> op) {
    GroupCommand.Builder b = GroupCommand.newBuilder().setGroup(group);
    op.accept(b);
    return c.request(
        ClientFrame.newBuilder().setId("r" + ids.incrementAndGet()).setGroupCommand(b).build());
  }

  private static GroupAck ack(ServerFrame f) {
    assertThat(f.hasGroupAck()).as(f.toString()).isTrue();
    return f.getGroupAck();
  }

  private static GroupInfo info(ServerFrame f) {
    assertThat(f.hasGroupInfo()).as(f.toString()).isTrue();
    return f.getGroupInfo();
  }

  private static void refused(ServerFrame f, String name) {
    assertThat(f.hasError()).as(f.toString()).isTrue();
    assertThat(f.getError().getName()).as(f.getError().getMessage()).isEqualTo(name);
  }

  private static GroupUsers users(String... users) {
    return GroupUsers.newBuilder().addAllUsers(List.of(users)).build();
  }

  private static ServerFrame send(RawClient c, String group, String text) {
    return c.request(
        ClientFrame.newBuilder()
            .setId("s" + ids.incrementAndGet())
            .setSend(
                Send.newBuilder()
                    .setClientMsgId("c" + ids.incrementAndGet())
                    .setGroup(group)
                    .setText(text))
            .build());
  }

  private static void sent(RawClient c, String group, String text) {
    ServerFrame f = send(c, group, text);
    assertThat(f.hasSendAck()).as(f.toString()).isTrue();
  }

  private static ServerFrame pull(RawClient c, String group) {
    return c.request(
        ClientFrame.newBuilder()
            .setId("p" + ids.incrementAndGet())
            .setPull(Pull.newBuilder().setConversation("g:" + group))
            .build());
  }

  /** The event names of a group's SYSTEM messages, oldest first (REST, as the backend). */
  private static List<String> events(String group) {
    return systemPayloads(group).stream().map(p -> p.get("event").asText()).toList();
  }

  private static List<JsonNode> systemPayloads(String group) {
    JsonNode page =
        node.call("GET", "/v1/apps/default/conversations/g:" + group + "/messages?limit=100", null)
            .body();
    List<JsonNode> list = new ArrayList<>();
    page.get("messages")
        .forEach(m -> {
          if (m.get("type").asText().equals("SYSTEM")) {
            list.add(m.get("payload"));
          }
        });
    return list;
  }

  private static Message nextPush(RawClient c, String group) {
    return c.await(
            f -> f.hasMessage() && f.getMessage().getConversation().equals("g:" + group), WAIT)
        .getMessage();
  }

  private static void makeAdmin(RawClient owner, String group, String user) {
    ack(
        cmd(
            owner,
            group,
            b ->
                b.setSetRole(
                    SetMemberRole.newBuilder().setUser(user).setRole(GroupRole.GROUP_ROLE_ADMIN))));
  }

  private static void assertProblem(TestServer.Reply r, int status, String name) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.body().get("title").asText()).isEqualTo(name);
  }

  // ---- roles -------------------------------------------------------------------------------

  @Test
  void aMemberCannotKickAndAnAdminCannotKickTheOwnerOrAnotherAdmin() {
    String owner = user("owner");
    String a1 = user("admin");
    String a2 = user("admin");
    String m1 = user("member");
    String m2 = user("member");
    String g = newGroup();
    group(g, owner, a1, a2, m1, m2);
    RawClient o = login(owner);
    RawClient admin = login(a1);
    RawClient member = login(m1);
    makeAdmin(o, g, a1);
    makeAdmin(o, g, a2);

    refused(cmd(member, g, b -> b.setKick(users(m2))), "FORBIDDEN");
    refused(cmd(admin, g, b -> b.setKick(users(owner))), "FORBIDDEN");
    refused(cmd(admin, g, b -> b.setKick(users(a2))), "FORBIDDEN");
    refused(
        cmd(
            admin,
            g,
            b ->
                b.setSetRole(
                    SetMemberRole.newBuilder().setUser(m2).setRole(GroupRole.GROUP_ROLE_ADMIN))),
        "FORBIDDEN");
    assertThat(ack(cmd(admin, g, b -> b.setKick(users(m2)))).getUsersList()).containsExactly(m2);
    assertThat(ack(cmd(o, g, b -> b.setKick(users(a2)))).getUsersList()).containsExactly(a2);
    refused(cmd(o, g, b -> b.setKick(users(owner))), "FORBIDDEN");

    ServerFrame list = cmd(member, g, b -> b.setListMembers(ListGroupMembers.getDefaultInstance()));
    assertThat(list.getGroupMembers().getMembersList())
        .extracting(m -> m.getUser() + ":" + m.getRole())
        .containsExactlyInAnyOrder(
            owner + ":GROUP_ROLE_OWNER", a1 + ":GROUP_ROLE_ADMIN", m1 + ":GROUP_ROLE_MEMBER");
  }

  @Test
  void aMutedMemberGetsMutedWithTheTimeUntilItIsUnmuted() {
    String owner = user("owner");
    String a1 = user("admin");
    String m1 = user("member");
    String g = newGroup();
    group(g, owner, a1, m1);
    RawClient o = login(owner);
    RawClient admin = login(a1);
    RawClient member = login(m1);
    makeAdmin(o, g, a1);
    Instant until = Instant.now().plus(Duration.ofHours(1));

    refused(
        cmd(
            member,
            g,
            b ->
                b.setMute(MuteGroupMember.newBuilder().setUser(a1).setUntil(until.toEpochMilli()))),
        "FORBIDDEN");
    refused(
        cmd(
            admin,
            g,
            b ->
                b.setMute(
                    MuteGroupMember.newBuilder().setUser(owner).setUntil(until.toEpochMilli()))),
        "FORBIDDEN");
    ack(
        cmd(
            admin,
            g,
            b ->
                b.setMute(
                    MuteGroupMember.newBuilder().setUser(m1).setUntil(until.toEpochMilli()))));

    ServerFrame muted = send(member, g, "can I talk?");
    refused(muted, "MUTED");
    assertThat(muted.getError().getCode()).isEqualTo(3003);
    assertThat(muted.getError().getMessage())
        .contains(Instant.ofEpochMilli(until.toEpochMilli()).toString());
    GroupInfo seen = cmd(member, g, b -> b.setGet(GetGroup.getDefaultInstance())).getGroupInfo();
    assertThat(seen.getMyMutedUntil()).isEqualTo(until.toEpochMilli());

    ack(cmd(admin, g, b -> b.setUnmute(UnmuteGroupMember.newBuilder().setUser(m1))));
    sent(member, g, "thanks");
  }

  @Test
  void muteAllLetsOnlyTheOwnerAndAdminsTalk() {
    String owner = user("owner");
    String a1 = user("admin");
    String m1 = user("member");
    String g = newGroup();
    group(g, owner, a1, m1);
    RawClient o = login(owner);
    RawClient admin = login(a1);
    RawClient member = login(m1);
    makeAdmin(o, g, a1);

    refused(cmd(member, g, b -> b.setMuteAll(MuteGroup.newBuilder().setOn(true))), "FORBIDDEN");
    ack(cmd(admin, g, b -> b.setMuteAll(MuteGroup.newBuilder().setOn(true))));

    refused(send(member, g, "hello?"), "MUTED");
    sent(admin, g, "quiet please");
    sent(o, g, "agreed");
    ack(cmd(o, g, b -> b.setMuteAll(MuteGroup.newBuilder().setOn(false))));
    sent(member, g, "free again");
  }

  @Test
  void aBannedUserIsRemovedAndCannotBeReAddedOrJoinUntilUnbanned() {
    String owner = user("owner");
    String m1 = user("member");
    String g = newGroup();
    group(g, owner, m1);
    RawClient o = login(owner);
    RawClient banned = login(m1);

    assertThat(ack(cmd(o, g, b -> b.setBan(users(m1)))).getSeq()).isPositive();

    Message pushed = nextPush(banned, g);
    assertThat(pushed.getPayload()).contains("\"event\":\"member_banned\"");
    refused(pull(banned, g), "NOT_MEMBER");
    refused(send(banned, g, "let me back"), "NOT_MEMBER");
    refused(cmd(o, g, b -> b.setInvite(users(m1))), "BANNED");
    TestServer.Reply rest =
        node.call(
            "POST", "/v1/apps/default/groups/" + g + "/members", Map.of("users", List.of(m1)));
    assertProblem(rest, 403, "BANNED");
    assertThat(rest.body().get("code").asInt()).isEqualTo(3004);
    info(
        cmd(
            o,
            g,
            b -> b.setUpdate(UpdateGroup.newBuilder().setJoinPolicy(JoinPolicy.JOIN_POLICY_OPEN))));
    refused(cmd(banned, g, b -> b.setRequestJoin(RequestJoinGroup.getDefaultInstance())), "BANNED");

    ack(cmd(o, g, b -> b.setUnban(users(m1))));
    assertThat(
            ack(cmd(banned, g, b -> b.setRequestJoin(RequestJoinGroup.getDefaultInstance())))
                .getUsersList())
        .containsExactly(m1);
    sent(banned, g, "back");
  }

  // ---- joining -----------------------------------------------------------------------------

  @Test
  void theApprovalFlowStoresARequestThatAnAdminApprovesOrRejects() {
    String owner = user("owner");
    String m1 = user("member");
    String hopeful = user("hopeful");
    String other = user("other");
    String g = newGroup();
    group(g, owner, m1);
    RawClient o = login(owner);
    RawClient member = login(m1);
    RawClient h = login(hopeful);
    RawClient x = login(other);
    refused(cmd(h, g, b -> b.setGet(GetGroup.getDefaultInstance())), "NOT_MEMBER");
    info(
        cmd(
            o,
            g,
            b ->
                b.setUpdate(
                    UpdateGroup.newBuilder().setJoinPolicy(JoinPolicy.JOIN_POLICY_APPROVAL))));

    GroupInfo visible = cmd(h, g, b -> b.setGet(GetGroup.getDefaultInstance())).getGroupInfo();
    assertThat(visible.getMyRole()).isEqualTo(GroupRole.GROUP_ROLE_UNSPECIFIED);
    assertThat(visible.getJoinPolicy()).isEqualTo(JoinPolicy.JOIN_POLICY_APPROVAL);
    GroupAck requested =
        ack(
            cmd(
                h,
                g,
                b ->
                    b.setRequestJoin(RequestJoinGroup.newBuilder().setMessage("I'm in class 7b"))));
    assertThat(requested.getSeq()).isZero();
    ack(cmd(x, g, b -> b.setRequestJoin(RequestJoinGroup.getDefaultInstance())));
    refused(send(h, g, "early"), "NOT_MEMBER");
    refused(
        cmd(member, g, b -> b.setListJoinRequests(ListJoinRequests.getDefaultInstance())),
        "FORBIDDEN");
    refused(cmd(member, g, b -> b.setApproveJoin(users(hopeful))), "FORBIDDEN");

    ServerFrame pending =
        cmd(o, g, b -> b.setListJoinRequests(ListJoinRequests.newBuilder().setLimit(1)));
    assertThat(pending.getJoinRequests().getRequestsCount()).isEqualTo(1);
    assertThat(pending.getJoinRequests().getNextCursor()).isNotEmpty();
    assertThat(
            cmd(o, g, b -> b.setListJoinRequests(ListJoinRequests.getDefaultInstance()))
                .getJoinRequests()
                .getRequestsList())
        .extracting(r -> r.getUser() + ":" + r.getMessage())
        .containsExactlyInAnyOrder(hopeful + ":I'm in class 7b", other + ":");

    GroupAck approved = ack(cmd(o, g, b -> b.setApproveJoin(users(hopeful))));
    assertThat(approved.getUsersList()).containsExactly(hopeful);
    Message joined = nextPush(h, g);
    assertThat(joined.getSeq()).isEqualTo(approved.getSeq());
    assertThat(joined.getPayload()).contains("\"via\":\"approval\"");
    sent(h, g, "hello class");
    ack(cmd(o, g, b -> b.setRejectJoin(users(other))));
    refused(cmd(o, g, b -> b.setRejectJoin(users(other))), "NOT_FOUND");
    refused(cmd(o, g, b -> b.setApproveJoin(users(other))), "NOT_FOUND");
    assertThat(
            cmd(o, g, b -> b.setListJoinRequests(ListJoinRequests.getDefaultInstance()))
                .getJoinRequests()
                .getRequestsList())
        .isEmpty();
  }

  @Test
  void anOpenGroupLetsAnyoneJoinAtOnceAndAnInviteOnlyGroupRefuses() {
    String owner = user("owner");
    String walker = user("walker");
    String open = newGroup();
    String closed = newGroup();
    RawClient o = login(owner);
    RawClient w = login(walker);
    info(
        cmd(
            o,
            open,
            b ->
                b.setCreate(
                    CreateGroup.newBuilder()
                        .setName("Open house")
                        .setJoinPolicy(JoinPolicy.JOIN_POLICY_OPEN))));
    GroupInfo created =
        cmd(o, closed, b -> b.setCreate(CreateGroup.newBuilder().setName("Board"))).getGroupInfo();
    assertThat(created.getMyRole()).isEqualTo(GroupRole.GROUP_ROLE_OWNER);
    assertThat(created.getJoinPolicy()).isEqualTo(JoinPolicy.JOIN_POLICY_INVITE_ONLY);

    GroupAck joined =
        ack(cmd(w, open, b -> b.setRequestJoin(RequestJoinGroup.getDefaultInstance())));
    assertThat(joined.getSeq()).isPositive();
    sent(w, open, "hi all");
    refused(
        cmd(w, open, b -> b.setRequestJoin(RequestJoinGroup.getDefaultInstance())),
        "ALREADY_EXISTS");
    refused(
        cmd(w, closed, b -> b.setRequestJoin(RequestJoinGroup.getDefaultInstance())), "FORBIDDEN");
    refused(cmd(w, closed, b -> b.setGet(GetGroup.getDefaultInstance())), "NOT_MEMBER");
  }

  @Test
  void membersInviteOnlyWhenTheInvitePolicyAllowsIt() {
    String owner = user("owner");
    String m1 = user("member");
    String friend = user("friend");
    String g = newGroup();
    group(g, owner, m1);
    RawClient o = login(owner);
    RawClient member = login(m1);

    refused(cmd(member, g, b -> b.setInvite(users(friend))), "FORBIDDEN");
    refused(
        cmd(
            member,
            g,
            b ->
                b.setUpdate(
                    UpdateGroup.newBuilder().setInvitePolicy(InvitePolicy.INVITE_POLICY_MEMBERS))),
        "FORBIDDEN");
    info(
        cmd(
            o,
            g,
            b ->
                b.setUpdate(
                    UpdateGroup.newBuilder().setInvitePolicy(InvitePolicy.INVITE_POLICY_MEMBERS))));
    assertThat(ack(cmd(member, g, b -> b.setInvite(users(friend)))).getUsersList())
        .containsExactly(friend);
    refused(cmd(member, g, b -> b.setInvite(users("nobody-here"))), "USER_NOT_FOUND");
  }

  // ---- ownership and deletion --------------------------------------------------------------

  @Test
  void ownershipTransfersAndTheOwnerCannotLeaveBeforeIt() {
    String owner = user("owner");
    String heir = user("heir");
    String m1 = user("member");
    String g = newGroup();
    group(g, owner, heir, m1);
    RawClient o = login(owner);
    RawClient h = login(heir);
    RawClient member = login(m1);

    refused(cmd(o, g, b -> b.setLeave(LeaveGroup.getDefaultInstance())), "FORBIDDEN");
    refused(
        cmd(
            member,
            g,
            b -> b.setTransferOwnership(TransferGroupOwnership.newBuilder().setUser(m1))),
        "FORBIDDEN");
    refused(
        cmd(o, g, b -> b.setTransferOwnership(TransferGroupOwnership.newBuilder().setUser("zed"))),
        "NOT_MEMBER");
    ack(cmd(o, g, b -> b.setTransferOwnership(TransferGroupOwnership.newBuilder().setUser(heir))));

    GroupInfo now = cmd(o, g, b -> b.setGet(GetGroup.getDefaultInstance())).getGroupInfo();
    assertThat(now.getOwner()).isEqualTo(heir);
    assertThat(now.getMyRole()).isEqualTo(GroupRole.GROUP_ROLE_ADMIN);
    refused(
        cmd(
            o,
            g,
            b ->
                b.setSetRole(
                    SetMemberRole.newBuilder().setUser(m1).setRole(GroupRole.GROUP_ROLE_ADMIN))),
        "FORBIDDEN");
    assertThat(ack(cmd(o, g, b -> b.setLeave(LeaveGroup.getDefaultInstance()))).getSeq())
        .isPositive();
    refused(cmd(h, g, b -> b.setLeave(LeaveGroup.getDefaultInstance())), "FORBIDDEN");
    assertThat(events(g)).endsWith("owner_changed", "member_left");
  }

  @Test
  void aDeletedGroupRefusesSendsAndIsGoneWhileItsHistoryStaysReadable() {
    String owner = user("owner");
    String a1 = user("admin");
    String m1 = user("member");
    String g = newGroup();
    group(g, owner, a1, m1);
    RawClient o = login(owner);
    RawClient admin = login(a1);
    RawClient member = login(m1);
    makeAdmin(o, g, a1);
    sent(member, g, "before the end");

    refused(
        cmd(admin, g, b -> b.setDelete(dev.warbler.protocol.v1.DeleteGroup.getDefaultInstance())),
        "FORBIDDEN");
    GroupAck deleted =
        ack(cmd(o, g, b -> b.setDelete(dev.warbler.protocol.v1.DeleteGroup.getDefaultInstance())));

    Message last =
        member
            .await(f -> f.hasMessage() && f.getMessage().getSeq() == deleted.getSeq(), WAIT)
            .getMessage();
    assertThat(last.getPayload()).contains("\"event\":\"group_deleted\"");
    refused(send(member, g, "anyone?"), "GROUP_NOT_FOUND");
    refused(cmd(member, g, b -> b.setGet(GetGroup.getDefaultInstance())), "GROUP_NOT_FOUND");
    refused(cmd(o, g, b -> b.setInvite(users(m1))), "GROUP_NOT_FOUND");
    assertThat(pull(member, g).getMessages().getMessagesList())
        .extracting(Message::getText)
        .contains("before the end");
    assertProblem(node.call("GET", "/v1/apps/default/groups/" + g, null), 404, "GROUP_NOT_FOUND");
    assertProblem(
        node.call("POST", "/v1/apps/default/groups", Map.of("id", g, "owner", owner)),
        409,
        "ALREADY_EXISTS");
    assertProblem(
        node.call("POST", "/v1/apps/default/messages", Map.of("group", g, "text", "system notice")),
        404,
        "GROUP_NOT_FOUND");
  }

  // ---- events ------------------------------------------------------------------------------

  @Test
  void everyChangeAppendsAStructuredSystemMessageThatAnOfflineDeviceGetsBySync() {
    String owner = user("owner");
    String m1 = user("member");
    String m2 = user("member");
    String late = user("late");
    String g = newGroup();
    group(g, owner, m1, m2);
    RawClient o = login(owner);
    RawClient two = login(m2);
    ack(cmd(o, g, b -> b.setInvite(users(late))));
    makeAdmin(o, g, m1);
    ack(
        cmd(
            o,
            g,
            b ->
                b.setMute(
                    MuteGroupMember.newBuilder()
                        .setUser(m2)
                        .setUntil(Instant.now().plusSeconds(60).toEpochMilli()))));
    ack(cmd(o, g, b -> b.setMuteAll(MuteGroup.newBuilder().setOn(true))));
    info(
        cmd(
            o,
            g,
            b ->
                b.setUpdate(
                    UpdateGroup.newBuilder()
                        .setName("Renamed")
                        .setDescription("Now with a description")
                        .setCustom("{\"grade\":7}"))));
    ack(cmd(two, g, b -> b.setLeave(LeaveGroup.getDefaultInstance())));
    ack(cmd(o, g, b -> b.setKick(users(late))));

    assertThat(events(g))
        .containsExactly(
            "group_created",
            "member_joined",
            "role_changed",
            "member_muted",
            "mute_all_changed",
            "profile_updated",
            "member_left",
            "member_removed");
    List<JsonNode> payloads = systemPayloads(g);
    assertThat(payloads.get(1).toString())
        .isEqualTo(
            "{\"event\":\"member_joined\",\"by\":\""
                + owner
                + "\",\"users\":[\""
                + late
                + "\"],\"via\":\"invite\"}");
    assertThat(payloads.get(2).get("role").asText()).isEqualTo("admin");
    assertThat(payloads.get(5).get("custom").get("grade").asInt()).isEqualTo(7);
    assertThat(payloads.get(0).get("by").asText()).isEmpty();

    // A device of m1 that was offline all along catches up through sync and pull.
    RawClient device = login(m1);
    SyncResult sync =
        device
            .request(
                ClientFrame.newBuilder().setId("sync").setSync(Sync.getDefaultInstance()).build())
            .getSyncResult();
    assertThat(sync.getConversationsList())
        .anySatisfy(s -> {
          assertThat(s.getConversation()).isEqualTo("g:" + g);
          assertThat(s.getLastSeq()).isEqualTo(8);
          assertThat(s.getLastMessage().getPayload()).contains("member_removed");
        });
    assertThat(pull(device, g).getMessages().getMessagesList())
        .extracting(Message::getSeq)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
  }

  @Test
  void aRemovedMemberGetsItsRemovalPushedButNothingAfterAndCannotReadTheGroup() {
    String owner = user("owner");
    String m1 = user("member");
    String g = newGroup();
    group(g, owner, m1);
    RawClient o = login(owner);
    RawClient removed = login(m1);

    GroupAck kick = ack(cmd(o, g, b -> b.setKick(users(m1))));
    sent(o, g, "after you left");

    Message notice = nextPush(removed, g);
    assertThat(notice.getSeq()).isEqualTo(kick.getSeq());
    assertThat(notice.getText()).isEqualTo(owner + " removed " + m1);
    assertThat(notice.getPayload()).contains("\"users\":[\"" + m1 + "\"]");
    assertThatThrownBy(() -> removed.await(f -> f.hasMessage(), Duration.ofMillis(300)))
        .isInstanceOf(AssertionError.class);
    refused(pull(removed, g), "NOT_MEMBER");
    refused(
        cmd(removed, g, b -> b.setListMembers(ListGroupMembers.getDefaultInstance())),
        "NOT_MEMBER");
  }

  @Test
  void anAddedMemberReceivesItsOwnJoinEventAndTheMessagesAfterIt() {
    String owner = user("owner");
    String newcomer = user("newcomer");
    String g = newGroup();
    group(g, owner);
    RawClient o = login(owner);
    RawClient n = login(newcomer);

    GroupAck invited = ack(cmd(o, g, b -> b.setInvite(users(newcomer))));
    sent(o, g, "welcome");

    assertThat(nextPush(n, g).getSeq()).isEqualTo(invited.getSeq());
    assertThat(nextPush(n, g).getText()).isEqualTo("welcome");
  }

  // ---- limits and input --------------------------------------------------------------------

  @Test
  void theMemberLimitHoldsForInvitesOpenJoinsAndApprovals() {
    String owner = user("owner");
    String g = newGroup();
    group(g, owner, user("m"), user("m"), user("m"), user("m"));
    RawClient o = login(owner);
    String fifth = user("m");
    String sixth = user("m");

    refused(cmd(o, g, b -> b.setInvite(users(fifth, sixth))), "LIMIT_EXCEEDED");
    ack(cmd(o, g, b -> b.setInvite(users(fifth))));
    info(
        cmd(
            o,
            g,
            b -> b.setUpdate(UpdateGroup.newBuilder().setJoinPolicy(JoinPolicy.JOIN_POLICY_OPEN))));
    refused(
        cmd(login(sixth), g, b -> b.setRequestJoin(RequestJoinGroup.getDefaultInstance())),
        "LIMIT_EXCEEDED");
    assertProblem(
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of(
                "id",
                newGroup(),
                "owner",
                owner,
                "members",
                List.of(user("x"), user("x"), user("x"), user("x"), user("x"), user("x")))),
        422,
        "LIMIT_EXCEEDED");
  }

  @Test
  void badProfilesAndCommandsGetTheirCatalogCodes() {
    String owner = user("owner");
    String g = newGroup();
    RawClient o = login(owner);
    info(cmd(o, g, b -> b.setCreate(CreateGroup.getDefaultInstance()))); // name defaults to the id

    refused(
        cmd(o, g, b -> b.setUpdate(UpdateGroup.newBuilder().setCustom("[1,2]"))),
        "INVALID_ARGUMENT");
    refused(
        cmd(o, g, b -> b.setUpdate(UpdateGroup.newBuilder().setAvatarUrl("ftp://x/y.png"))),
        "INVALID_ARGUMENT");
    refused(cmd(o, g, b -> b.setUpdate(UpdateGroup.newBuilder().setName(" "))), "INVALID_ARGUMENT");
    refused(
        cmd(o, g, b -> b.setUpdate(UpdateGroup.newBuilder().setDescription("d".repeat(2000)))),
        "LIMIT_EXCEEDED");
    refused(cmd(o, g, b -> b.setUpdate(UpdateGroup.getDefaultInstance())), "INVALID_ARGUMENT");
    refused(cmd(o, g, b -> {}), "INVALID_ARGUMENT");
    refused(cmd(o, "bad id!", b -> b.setGet(GetGroup.getDefaultInstance())), "INVALID_ARGUMENT");
    refused(cmd(o, "ghost", b -> b.setGet(GetGroup.getDefaultInstance())), "GROUP_NOT_FOUND");
    refused(cmd(o, g, b -> b.setCreate(CreateGroup.getDefaultInstance())), "ALREADY_EXISTS");
    refused(
        cmd(o, g, b -> b.setMute(MuteGroupMember.newBuilder().setUser(owner).setUntil(1))),
        "FORBIDDEN");
    refused(
        cmd(
            o,
            g,
            b ->
                b.setSetRole(
                    SetMemberRole.newBuilder()
                        .setUser(owner)
                        .setRole(GroupRole.GROUP_ROLE_UNSPECIFIED))),
        "INVALID_ARGUMENT");
    GroupInfo info = cmd(o, g, b -> b.setGet(GetGroup.getDefaultInstance())).getGroupInfo();
    assertThat(info.getName()).isEqualTo(g);
    assertThat(info.getMemberCount()).isEqualTo(1);
  }

  @Test
  void aUserOfAnotherAppCannotActOnThisAppsGroups() {
    String owner = user("owner");
    String g = newGroup();
    group(g, owner);
    assertThat(node.call("POST", "/v1/apps", Map.of("id", "otherapp")).status()).isEqualTo(201);
    node.createUser("otherapp", owner); // the same user id, another app
    RawClient stranger = RawClient.connect(node.ws(), Encoding.JSON);
    clients.add(stranger);
    stranger.request(
        ClientFrame.newBuilder()
            .setId("auth")
            .setAuth(Auth.newBuilder().setToken(node.token("otherapp", owner)))
            .build());

    refused(cmd(stranger, g, b -> b.setGet(GetGroup.getDefaultInstance())), "GROUP_NOT_FOUND");
    refused(cmd(stranger, g, b -> b.setKick(users(owner))), "GROUP_NOT_FOUND");
    refused(send(stranger, g, "hi"), "GROUP_NOT_FOUND");
  }

  // ---- REST --------------------------------------------------------------------------------

  @Test
  void theBackendRunsGroupsOverRestWithTheOwnersRights() {
    String owner = user("owner");
    String a = user("amy");
    String b = user("bob");
    String c = user("cal");
    String g = newGroup();
    TestServer.Reply created =
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of(
                "id",
                g,
                "owner",
                owner,
                "members",
                List.of(a, b, c),
                "name",
                "Class 7B",
                "description",
                "Maths",
                "custom",
                Map.of("room", "B12"),
                "joinPolicy",
                "approval"));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String base = "/v1/apps/default/groups/" + g;

    JsonNode got = node.call("GET", base, null).body();
    assertThat(got.get("name").asText()).isEqualTo("Class 7B");
    assertThat(got.get("custom").get("room").asText()).isEqualTo("B12");
    assertThat(got.get("joinPolicy").asText()).isEqualTo("APPROVAL");
    assertThat(got.get("memberCount").asInt()).isEqualTo(4);

    JsonNode patched =
        node.call("PATCH", base, Map.of("description", "Maths and physics", "muteAll", true))
            .body();
    assertThat(patched.get("description").asText()).isEqualTo("Maths and physics");
    assertThat(patched.get("muteAll").asBoolean()).isTrue();
    assertProblem(node.call("PATCH", base, Map.of("colour", "red")), 400, "BAD_REQUEST");
    assertProblem(
        node.call("PATCH", base, Map.of("joinPolicy", "sometimes")), 400, "INVALID_ARGUMENT");

    // Pages of 2 by user id; nextCursor absent at the end.
    List<String> seen = new ArrayList<>();
    String cursor = "";
    int pages = 0;
    do {
      JsonNode page =
          node.call(
                  "GET",
                  base + "/members?limit=2" + (cursor.isEmpty() ? "" : "&cursor=" + cursor),
                  null)
              .body();
      page.get("items")
          .forEach(m -> seen.add(m.get("user").asText() + ":" + m.get("role").asText()));
      cursor = page.has("nextCursor") ? page.get("nextCursor").asText() : "";
      pages++;
    } while (!cursor.isEmpty());
    assertThat(pages).isEqualTo(2);
    assertThat(seen).contains(owner + ":owner", a + ":member").hasSize(4);

    JsonNode role =
        node.call("PUT", base + "/members/" + a + "/role", Map.of("role", "admin")).body();
    assertThat(role.get("role").asText()).isEqualTo("admin");
    assertProblem(
        node.call("PUT", base + "/members/" + a + "/role", Map.of("role", "owner")),
        400,
        "INVALID_ARGUMENT");
    JsonNode muted =
        node.call("PUT", base + "/members/" + b + "/mute", Map.of("seconds", 600)).body();
    assertThat(muted.get("mutedUntil").asLong()).isGreaterThan(System.currentTimeMillis());
    assertThat(
            node.call("DELETE", base + "/members/" + b + "/mute", null)
                .body()
                .get("mutedUntil")
                .asLong())
        .isZero();
    assertProblem(
        node.call("PUT", base + "/members/" + b + "/mute", Map.of()), 400, "INVALID_ARGUMENT");

    JsonNode ban = node.call("PUT", base + "/bans/" + c, null).body();
    assertThat(ban.get("users").toString()).isEqualTo("[\"" + c + "\"]");
    assertProblem(node.call("POST", base + "/members", Map.of("users", List.of(c))), 403, "BANNED");
    assertThat(node.call("DELETE", base + "/bans/" + c, null).body().get("users").toString())
        .isEqualTo("[\"" + c + "\"]");

    RawClient cal = login(c);
    ack(cmd(cal, g, x -> x.setRequestJoin(RequestJoinGroup.newBuilder().setMessage("sorry"))));
    JsonNode requests = node.call("GET", base + "/join-requests", null).body();
    assertThat(requests.get("items").get(0).get("message").asText()).isEqualTo("sorry");
    assertThat(requests.has("nextCursor")).isFalse();
    assertThat(
            node.call("POST", base + "/join-requests/" + c + "/approve", null)
                .body()
                .get("seq")
                .asLong())
        .isPositive();
    assertProblem(node.call("DELETE", base + "/join-requests/" + c, null), 404, "NOT_FOUND");

    JsonNode transferred = node.call("PUT", base + "/owner", Map.of("user", b)).body();
    assertThat(transferred.get("owner").asText()).isEqualTo(b);
    assertThat(node.call("DELETE", base, null).status()).isEqualTo(204);
    assertProblem(node.call("GET", base, null), 404, "GROUP_NOT_FOUND");
    assertThat(events(g)).endsWith("owner_changed", "group_deleted");
  }

  @Test
  void everyGroupRestOperationRefusesAnotherAppsKeyWithWrongApp() {
    String owner = user("owner");
    String m = user("member");
    String g = newGroup();
    group(g, owner, m);
    TestServer.Reply other =
        node.call("POST", "/v1/apps", Map.of("id", "rival" + ids.incrementAndGet()));
    String rivalKey = other.body().get("secret").asText();
    String base = "/v1/apps/default/groups/" + g;
    List<String[]> operations =
        List.of(
            new String[] {"GET", base},
            new String[] {"PATCH", base},
            new String[] {"DELETE", base},
            new String[] {"GET", base + "/members"},
            new String[] {"PUT", base + "/members/" + m + "/role"},
            new String[] {"PUT", base + "/members/" + m + "/mute"},
            new String[] {"DELETE", base + "/members/" + m + "/mute"},
            new String[] {"PUT", base + "/owner"},
            new String[] {"PUT", base + "/bans/" + m},
            new String[] {"DELETE", base + "/bans/" + m},
            new String[] {"GET", base + "/join-requests"},
            new String[] {"POST", base + "/join-requests/" + m + "/approve"},
            new String[] {"DELETE", base + "/join-requests/" + m});
    for (String[] op : operations) {
      TestServer.Reply r = node.call(op[0], op[1], Map.of("role", "admin", "user", m), rivalKey);
      assertThat(r.status()).as(op[0] + " " + op[1]).isEqualTo(401);
      assertThat(r.body().get("title").asText()).as(op[0] + " " + op[1]).isEqualTo("WRONG_APP");
    }
    // Nothing changed.
    assertThat(node.call("GET", base, null).body().get("memberCount").asInt()).isEqualTo(2);
  }
}
