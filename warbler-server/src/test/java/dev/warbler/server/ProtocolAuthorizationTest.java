package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ClientFrame.BodyCase;
import dev.warbler.protocol.v1.DeleteForMe;
import dev.warbler.protocol.v1.Delivered;
import dev.warbler.protocol.v1.Edit;
import dev.warbler.protocol.v1.Forward;
import dev.warbler.protocol.v1.GetGroup;
import dev.warbler.protocol.v1.GetReceipts;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.GroupRole;
import dev.warbler.protocol.v1.GroupUsers;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.ListGroupMembers;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.MuteGroup;
import dev.warbler.protocol.v1.MuteGroupMember;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.Recall;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendFriendRequest;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SetMemberRole;
import dev.warbler.protocol.v1.SubscribePresence;
import dev.warbler.protocol.v1.TransferGroupOwnership;
import dev.warbler.protocol.v1.Typing;
import dev.warbler.protocol.v1.UpdateConversation;
import dev.warbler.protocol.v1.UpdateGroup;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks the protocol commands with callers that must be refused: a user outside the group or
 * conversation, a member without the needed role, and a user of another app using the same ids.
 * Every command type must be classified here, so a new command cannot ship unwalked.
 */
class ProtocolAuthorizationTest {
  @TempDir static Path dir;
  static TestServer node;
  static final AtomicInteger ids = new AtomicInteger();
  static final Map<String, RawClient> clients = new java.util.HashMap<>();

  /**
   * Commands that act only on the caller's own data, or carry no target: nothing to walk.
   * SUBSCRIBE_PRESENCE names users, but only of the caller's own app, and any user of an app may
   * see another's presence; {@link #presenceNeverCrossesApps} checks that it does not leak another
   * app's users.
   */
  static final Set<BodyCase> SELF_ONLY =
      EnumSet.of(
          BodyCase.AUTH,
          BodyCase.PING,
          BodyCase.SYNC,
          BodyCase.SUBSCRIBE_PRESENCE,
          BodyCase.LEAVE_CHATROOM,
          BodyCase.LIST_FRIEND_REQUESTS,
          BodyCase.LIST_FRIENDS,
          BodyCase.LIST_BLOCKED,
          BodyCase.RESPOND_FRIEND_REQUEST,
          BodyCase.REMOVE_FRIEND,
          BodyCase.BLOCK_USER,
          BodyCase.UNBLOCK_USER,
          BodyCase.BODY_NOT_SET);

  record Case(String name, String caller, Supplier<ClientFrame.Builder> frame, Set<String> errors) {
    BodyCase body() {
      return frame.get().setId("x").build().getBodyCase();
    }
  }

  @BeforeAll
  static void start() {
    node = TestServer.start(dir);
    for (String u : List.of("owner", "admin", "member", "outsider")) {
      node.createUser("default", u);
    }
    node.call(
        "POST",
        "/v1/apps/default/groups",
        Map.of("id", "club", "owner", "owner", "members", List.of("admin", "member")));
    node.call("PUT", "/v1/apps/default/groups/club/members/admin/role", Map.of("role", "admin"));
    node.call(
        "POST",
        "/v1/apps/default/messages",
        Map.of("from", "owner", "group", "club", "text", "owner's words"));
    node.call(
        "POST",
        "/v1/apps/default/messages",
        Map.of("from", "admin", "to", "member", "text", "private"));
    node.call("POST", "/v1/apps", Map.of("id", "school"));
    node.createUser("school", "member");
    node.call("POST", "/v1/apps/default/chatrooms", Map.of("id", "lobby", "name", "Lobby"));
  }

  @AfterAll
  static void stop() {
    clients.values().forEach(RawClient::close);
    node.close();
  }

  private static RawClient as(String who) {
    return clients.computeIfAbsent(
        who,
        w -> {
          String app = w.equals("stranger") ? "school" : "default";
          String user = w.equals("stranger") ? "member" : w;
          RawClient c = RawClient.connect(node.ws(), Encoding.PROTO);
          ServerFrame ok =
              c.request(
                  ClientFrame.newBuilder()
                      .setId("auth")
                      .setAuth(Auth.newBuilder().setToken(node.token(app, user)))
                      .build());
          assertThat(ok.hasAuthOk()).as(ok.toString()).isTrue();
          return c;
        });
  }

  private static ClientFrame.Builder group(GroupCommand.Builder command) {
    return ClientFrame.newBuilder().setGroupCommand(command.setGroup("club"));
  }

  private static final Set<String> OUTSIDE = Set.of("NOT_MEMBER", "FORBIDDEN");
  private static final Set<String> ROLE = Set.of("FORBIDDEN");
  private static final Set<String> OTHER_APP =
      Set.of("NOT_MEMBER", "GROUP_NOT_FOUND", "NOT_FOUND", "USER_NOT_FOUND", "FORBIDDEN");

  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    for (String caller : List.of("outsider", "stranger")) {
      Set<String> refusal = caller.equals("outsider") ? OUTSIDE : OTHER_APP;
      // A direct conversation the caller is not part of (the stranger is "member" in its app).
      String othersDirect = caller.equals("outsider") ? "d:admin:member" : "d:admin:owner";
      cases.add(
          new Case(
              "send to the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setSend(
                          Send.newBuilder()
                              .setClientMsgId("c" + ids.incrementAndGet())
                              .setGroup("club")
                              .setText("hi")),
              refusal));
      cases.add(
          new Case(
              "send into a direct conversation of others",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setSend(
                          Send.newBuilder()
                              .setClientMsgId("c" + ids.incrementAndGet())
                              .setConversation("d:admin:member")
                              .setText("hi")),
              refusal));
      cases.add(
          new Case(
              "pull the group",
              caller,
              () -> ClientFrame.newBuilder().setPull(Pull.newBuilder().setConversation("g:club")),
              refusal));
      cases.add(
          new Case(
              "pull a direct conversation of others",
              caller,
              () ->
                  ClientFrame.newBuilder().setPull(Pull.newBuilder().setConversation(othersDirect)),
              refusal));
      cases.add(
          new Case(
              "history of the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setHistory(History.newBuilder().setConversation("g:club")),
              refusal));
      cases.add(
          new Case(
              "mark the group read",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setMarkRead(MarkRead.newBuilder().setConversation("g:club").setSeq(2)),
              refusal));
      cases.add(
          new Case(
              "report the group delivered",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setDelivered(Delivered.newBuilder().setConversation("g:club").setSeq(2)),
              refusal));
      cases.add(
          new Case(
              "report a direct conversation of others delivered",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setDelivered(Delivered.newBuilder().setConversation(othersDirect).setSeq(1)),
              refusal));
      cases.add(
          new Case(
              "read the group's receipts",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setGetReceipts(GetReceipts.newBuilder().setConversation("g:club")),
              refusal));
      cases.add(
          new Case(
              "read the receipts of a direct conversation of others",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setGetReceipts(GetReceipts.newBuilder().setConversation(othersDirect)),
              refusal));
      cases.add(
          new Case(
              "type in the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setTyping(Typing.newBuilder().setConversation("g:club").setActive(true)),
              refusal));
      cases.add(
          new Case(
              "recall in the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setRecall(Recall.newBuilder().setConversation("g:club").setSeq(2)),
              refusal));
      cases.add(
          new Case(
              "edit in the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setEdit(Edit.newBuilder().setConversation("g:club").setSeq(2).setText("x")),
              refusal));
      cases.add(
          new Case(
              "delete for me in the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setDeleteForMe(DeleteForMe.newBuilder().setConversation("g:club").setSeq(2)),
              refusal));
      cases.add(
          new Case(
              "react in the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setReact(
                          React.newBuilder().setConversation("g:club").setSeq(2).setEmoji("x")),
              refusal));
      cases.add(
          new Case(
              "forward out of the group",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setForward(
                          Forward.newBuilder()
                              .setClientMsgId("f" + ids.incrementAndGet())
                              .setFromConversation("g:club")
                              .setFromSeq(2)
                              .setUser(caller.equals("outsider") ? "owner" : "member")),
              refusal));
      cases.add(
          new Case(
              "settings of the group conversation",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setUpdateConversation(
                          UpdateConversation.newBuilder()
                              .setConversation("g:club")
                              .setPinned(true)),
              refusal));
      cases.add(
          new Case(
              "list the group's members",
              caller,
              () -> group(GroupCommand.newBuilder().setListMembers(ListGroupMembers.newBuilder())),
              refusal));
      cases.add(
          new Case(
              "kick from the group",
              caller,
              () ->
                  group(
                      GroupCommand.newBuilder()
                          .setKick(GroupUsers.newBuilder().addUsers("member"))),
              refusal));
    }
    cases.add(
        new Case(
            "see a group of another app",
            "stranger",
            () -> group(GroupCommand.newBuilder().setGet(GetGroup.newBuilder())),
            OTHER_APP));
    cases.add(
        new Case(
            "join a chatroom of another app",
            "stranger",
            () ->
                ClientFrame.newBuilder()
                    .setJoinChatroom(JoinChatroom.newBuilder().setRoom("lobby")),
            OTHER_APP));
    cases.add(
        new Case(
            "befriend a user of another app",
            "stranger",
            () ->
                ClientFrame.newBuilder()
                    .setSendFriendRequest(SendFriendRequest.newBuilder().setUser("owner")),
            OTHER_APP));
    // Members without the role.
    for (String caller : List.of("member", "admin")) {
      cases.add(
          new Case(
              "set a role",
              caller,
              () ->
                  group(
                      GroupCommand.newBuilder()
                          .setSetRole(
                              SetMemberRole.newBuilder()
                                  .setUser("member")
                                  .setRole(GroupRole.GROUP_ROLE_ADMIN))),
              ROLE));
      cases.add(
          new Case(
              "transfer ownership",
              caller,
              () ->
                  group(
                      GroupCommand.newBuilder()
                          .setTransferOwnership(
                              TransferGroupOwnership.newBuilder().setUser(caller))),
              ROLE));
      cases.add(
          new Case(
              "delete the group",
              caller,
              () ->
                  group(
                      GroupCommand.newBuilder()
                          .setDelete(dev.warbler.protocol.v1.DeleteGroup.newBuilder())),
              ROLE));
      cases.add(
          new Case(
              "kick the owner",
              caller,
              () ->
                  group(
                      GroupCommand.newBuilder().setKick(GroupUsers.newBuilder().addUsers("owner"))),
              ROLE));
      cases.add(
          new Case(
              "edit the owner's message",
              caller,
              () ->
                  ClientFrame.newBuilder()
                      .setEdit(Edit.newBuilder().setConversation("g:club").setSeq(2).setText("x")),
              ROLE));
    }
    cases.add(
        new Case(
            "recall the owner's message as a member",
            "member",
            () ->
                ClientFrame.newBuilder()
                    .setRecall(Recall.newBuilder().setConversation("g:club").setSeq(2)),
            ROLE));
    for (Supplier<GroupCommand.Builder> op :
        List.<Supplier<GroupCommand.Builder>>of(
            () -> GroupCommand.newBuilder().setKick(GroupUsers.newBuilder().addUsers("admin")),
            () ->
                GroupCommand.newBuilder()
                    .setMute(
                        MuteGroupMember.newBuilder().setUser("admin").setUntil(Long.MAX_VALUE)),
            () -> GroupCommand.newBuilder().setMuteAll(MuteGroup.newBuilder().setOn(true)),
            () -> GroupCommand.newBuilder().setBan(GroupUsers.newBuilder().addUsers("admin")),
            () -> GroupCommand.newBuilder().setUpdate(UpdateGroup.newBuilder().setName("mine")))) {
      cases.add(new Case("moderate as a plain member", "member", () -> group(op.get()), ROLE));
    }
    return cases;
  }

  @Test
  void everyWalkedCommandIsRefusedWithItsDocumentedError() {
    SoftAssertions soft = new SoftAssertions();
    for (Case c : cases()) {
      ServerFrame answer =
          as(c.caller()).request(c.frame().get().setId("q" + ids.incrementAndGet()).build());
      soft.assertThat(answer.hasError())
          .as("%s as %s must be refused but got %s", c.name(), c.caller(), answer)
          .isTrue();
      if (answer.hasError()) {
        soft.assertThat(answer.getError().getName())
            .as("%s as %s", c.name(), c.caller())
            .isIn(c.errors());
      }
    }
    soft.assertAll();
  }

  @Test
  void everyProtocolCommandIsWalkedOrOnlyTouchesTheCallersOwnData() {
    Set<BodyCase> walked = EnumSet.noneOf(BodyCase.class);
    cases().forEach(c -> walked.add(c.body()));
    Set<BodyCase> all = EnumSet.allOf(BodyCase.class);
    all.removeAll(SELF_ONLY);
    assertThat(walked).containsAll(all);
  }

  @Test
  void presenceNeverCrossesApps() {
    as("owner"); // "owner" of the default app is online
    ServerFrame sameApp =
        as("outsider")
            .request(
                ClientFrame.newBuilder()
                    .setId("p" + ids.incrementAndGet())
                    .setSubscribePresence(SubscribePresence.newBuilder().addUsers("owner"))
                    .build());
    ServerFrame otherApp =
        as("stranger")
            .request(
                ClientFrame.newBuilder()
                    .setId("p" + ids.incrementAndGet())
                    .setSubscribePresence(SubscribePresence.newBuilder().addUsers("owner"))
                    .build());

    assertThat(sameApp.getPresenceList().getEntriesList())
        .extracting(PresenceEntry::getUser, PresenceEntry::getOnline)
        .containsExactly(tuple("owner", true));
    // The stranger's app has no "owner": unknown, so offline and never seen.
    assertThat(otherApp.getPresenceList().getEntriesList())
        .extracting(PresenceEntry::getUser, PresenceEntry::getOnline, PresenceEntry::getLastSeen)
        .containsExactly(tuple("owner", false, 0L));
  }

  @Test
  void nothingWasChangedByTheRefusedCommands() {
    TestServer.Reply group = node.call("GET", "/v1/apps/default/groups/club", null);
    assertThat(group.status()).isEqualTo(200);
    assertThat(group.body().get("owner").asText()).isEqualTo("owner");
    assertThat(group.body().get("memberCount").asInt()).isEqualTo(3);
    assertThat(group.body().get("name").asText()).isEqualTo("club");
    TestServer.Reply messages =
        node.call("GET", "/v1/apps/default/conversations/g:club/messages", null);
    assertThat(messages.body().get("messages").findValuesAsText("text"))
        .contains("owner's words")
        .doesNotContain("hi", "x");
  }
}
