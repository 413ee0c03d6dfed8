package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.DeleteForMe;
import dev.warbler.protocol.v1.Edit;
import dev.warbler.protocol.v1.Forward;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.GroupUsers;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.Recall;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Typing;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mute covers every change a member can make to a group's conversation, over real sockets and
 * REST: sending, forwarding into it, editing, reacting and unreacting, typing and inviting are
 * refused with MUTED (3003) while muted, and while the group is muted for members; recalling one's
 * own message (a retraction), deleting for oneself and read receipts stay allowed. Owner and admins
 * are not affected by mute-all.
 */
class MutedMembersTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static TestServer node;
  private final List<RawClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestServer.start(dir);
    for (String u : List.of("oli", "ada", "mo", "val", "newbie")) {
      node.createUser("default", u);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(RawClient::close);
  }

  /** A group owned by oli, with ada as admin and mo and val as members; members may invite. */
  private static String newGroup() {
    String group = "mute" + ids.incrementAndGet();
    TestServer.Reply r =
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of(
                "id",
                group,
                "owner",
                "oli",
                "members",
                List.of("ada", "mo", "val"),
                "invitePolicy",
                "MEMBERS"));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    TestServer.Reply admin =
        node.call(
            "PUT",
            "/v1/apps/default/groups/" + group + "/members/ada/role",
            Map.of("role", "admin"));
    assertThat(admin.status()).as(admin.toString()).isEqualTo(200);
    return group;
  }

  private RawClient login(String user) {
    RawClient c =
        RawClient.connect(
            node.ws(), ids.incrementAndGet() % 2 == 0 ? Encoding.JSON : Encoding.PROTO);
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

  private static String id() {
    return "r" + ids.incrementAndGet();
  }

  private static ServerFrame send(RawClient c, String group, String text) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setSend(Send.newBuilder().setClientMsgId(id()).setGroup(group).setText(text))
            .build());
  }

  private static long sent(RawClient c, String group, String text) {
    ServerFrame f = send(c, group, text);
    assertThat(f.hasSendAck()).as(f.toString()).isTrue();
    return f.getSendAck().getSeq();
  }

  private static ServerFrame edit(RawClient c, String group, long seq, String text) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setEdit(Edit.newBuilder().setConversation("g:" + group).setSeq(seq).setText(text))
            .build());
  }

  private static ServerFrame react(RawClient c, String group, long seq, String emoji, boolean off) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setReact(
                React.newBuilder()
                    .setConversation("g:" + group)
                    .setSeq(seq)
                    .setEmoji(emoji)
                    .setRemove(off))
            .build());
  }

  private static ServerFrame typing(RawClient c, String group, String requestId) {
    ClientFrame frame =
        ClientFrame.newBuilder()
            .setId(requestId)
            .setTyping(Typing.newBuilder().setConversation("g:" + group).setActive(true))
            .build();
    if (requestId.isEmpty()) {
      c.send(frame);
      return ServerFrame.getDefaultInstance();
    }
    return c.request(frame);
  }

  private static ServerFrame forward(RawClient c, String fromConversation, long seq, String group) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setForward(
                Forward.newBuilder()
                    .setClientMsgId(id())
                    .setFromConversation(fromConversation)
                    .setFromSeq(seq)
                    .setGroup(group))
            .build());
  }

  private static ServerFrame invite(RawClient c, String group, String user) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setGroupCommand(
                GroupCommand.newBuilder()
                    .setGroup(group)
                    .setInvite(GroupUsers.newBuilder().addUsers(user)))
            .build());
  }

  private static void muted(ServerFrame f) {
    assertThat(f.hasError()).as(f.toString()).isTrue();
    assertThat(f.getError().getName()).as(f.getError().getMessage()).isEqualTo("MUTED");
    assertThat(f.getError().getCode()).isEqualTo(3003);
  }

  private static void acked(ServerFrame f) {
    assertThat(f.hasSendAck()).as(f.toString()).isTrue();
  }

  /**
   * {@code watcher} gets the typing of {@code typist} (a user allowed to type), and no typing of
   * {@code silenced} before it: the silenced user's typing was sent and refused before this.
   */
  private static void typingSeenOnlyFrom(RawClient watcher, String typist, String silenced) {
    watcher.await(f -> f.hasTypingEvent() && f.getTypingEvent().getUser().equals(typist), WAIT);
    assertThat(watcher.drain())
        .noneMatch(f -> f.hasTypingEvent() && f.getTypingEvent().getUser().equals(silenced));
  }

  @Test
  void aMutedMemberCanNeitherSendForwardEditReactTypeNorInviteButMayRetractAndRead() {
    String g = newGroup();
    RawClient mo = login("mo");
    RawClient val = login("val");
    RawClient ada = login("ada");
    long mine = sent(mo, g, "soon regretted");
    long other = sent(mo, g, "to be recalled");
    long theirs = sent(val, g, "hello");
    acked(react(mo, g, theirs, "👍", false));
    acked(directFromMo(mo)); // d:mo:val seq 1, a source to forward

    TestServer.Reply mute =
        node.call(
            "PUT", "/v1/apps/default/groups/" + g + "/members/mo/mute", Map.of("seconds", 3600));
    assertThat(mute.status()).as(mute.toString()).isEqualTo(200);

    muted(send(mo, g, "still here"));
    muted(forward(mo, "d:mo:val", 1, g));
    muted(edit(mo, g, mine, "regretted"));
    muted(react(mo, g, theirs, "❤", false));
    muted(react(mo, g, theirs, "👍", true));
    muted(invite(mo, g, "newbie"));
    // Without a request id the refusal is reported once, with an empty id, and nobody sees it;
    // with one (past the typing rate too) it is answered.
    typing(mo, g, "");
    ServerFrame refusal = mo.await(f -> f.hasError() && f.getId().isEmpty(), WAIT);
    muted(refusal);
    muted(typing(mo, g, id()));
    typing(ada, g, "");
    typingSeenOnlyFrom(val, "ada", "mo");

    // A retraction, one's own view and read receipts are not changes the others must be kept from.
    acked(
        mo.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setRecall(Recall.newBuilder().setConversation("g:" + g).setSeq(other))
                .build()));
    assertThat(
            mo.request(
                    ClientFrame.newBuilder()
                        .setId(id())
                        .setDeleteForMe(
                            DeleteForMe.newBuilder().setConversation("g:" + g).setSeq(theirs))
                        .build())
                .hasDeletedForMe())
        .isTrue();
    assertThat(
            mo.request(
                    ClientFrame.newBuilder()
                        .setId(id())
                        .setMarkRead(MarkRead.newBuilder().setConversation("g:" + g).setSeq(theirs))
                        .build())
                .hasError())
        .isFalse();

    // Over REST, acting as the muted member, the same rules hold.
    TestServer.Reply restEdit =
        node.call(
            "POST",
            "/v1/apps/default/conversations/g:" + g + "/messages/" + mine + "/edit",
            Map.of("by", "mo", "text", "regretted"));
    assertThat(restEdit.status()).as(restEdit.toString()).isEqualTo(403);
    assertThat(restEdit.body().get("title").asText()).isEqualTo("MUTED");
    TestServer.Reply restSend =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "mo", "group", g, "text", "over REST"));
    assertThat(restSend.status()).as(restSend.toString()).isEqualTo(403);
    assertThat(restSend.body().get("title").asText()).isEqualTo("MUTED");

    // Nothing of the refused changes reached the conversation; the mute lifted, they work again.
    assertThat(
            node.call("DELETE", "/v1/apps/default/groups/" + g + "/members/mo/mute", null).status())
        .isEqualTo(200);
    acked(edit(mo, g, mine, "regretted"));
    acked(react(mo, g, theirs, "👍", true));
  }

  private static ServerFrame directFromMo(RawClient mo) {
    return mo.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setSend(Send.newBuilder().setClientMsgId(id()).setUser("val").setText("psst"))
            .build());
  }

  @Test
  void muteAllStopsEveryChangeOfMembersButNotOfTheOwnerAndAdmins() {
    String g = newGroup();
    RawClient mo = login("mo");
    RawClient val = login("val");
    RawClient ada = login("ada");
    RawClient oli = login("oli");
    long moSaid = sent(mo, g, "before");
    long adaSaid = sent(ada, g, "admin speaking");
    long oliSaid = sent(oli, g, "owner speaking");

    TestServer.Reply on =
        node.call("PATCH", "/v1/apps/default/groups/" + g, Map.of("muteAll", true));
    assertThat(on.status()).as(on.toString()).isEqualTo(200);

    muted(send(mo, g, "members are muted"));
    muted(edit(mo, g, moSaid, "after"));
    muted(react(mo, g, adaSaid, "👍", false));
    muted(typing(mo, g, id()));
    muted(invite(mo, g, "newbie"));
    TestServer.Reply restEdit =
        node.call(
            "POST",
            "/v1/apps/default/conversations/g:" + g + "/messages/" + moSaid + "/edit",
            Map.of("by", "mo", "text", "after"));
    assertThat(restEdit.status()).as(restEdit.toString()).isEqualTo(403);
    assertThat(restEdit.body().get("title").asText()).isEqualTo("MUTED");

    sent(ada, g, "admins still speak");
    acked(edit(ada, g, adaSaid, "admin, edited"));
    acked(react(ada, g, oliSaid, "👍", false));
    acked(edit(oli, g, oliSaid, "owner, edited"));
    acked(react(oli, g, adaSaid, "🎉", false));
    assertThat(typing(ada, g, id()).hasTypingEvent()).isTrue();
    typingSeenOnlyFrom(val, "ada", "mo");
  }
}
