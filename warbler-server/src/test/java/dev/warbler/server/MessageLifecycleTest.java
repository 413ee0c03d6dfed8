package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.DeleteForMe;
import dev.warbler.protocol.v1.Edit;
import dev.warbler.protocol.v1.Forward;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.ReactionCount;
import dev.warbler.protocol.v1.Recall;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.sdk.MessageChanges;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The message lifecycle end to end: a whole node over real sockets in both encodings. Changes are
 * entries in the conversation's seq stream, so devices that were offline converge by the same sync
 * and pull as for messages.
 */
class MessageLifecycleTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static TestServer node;

  @BeforeAll
  static void start() {
    node = TestServer.start(dir.resolve("node"));
    for (String u : List.of("ann", "ben", "cat", "dee")) {
      node.createUser("default", u);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A group owned by ann with ben and cat; dee stays outside. */
  private static String newGroup() {
    String group = "lc" + ids.incrementAndGet();
    TestServer.Reply r =
        node.call(
            "POST",
            "/v1/apps/default/groups",
            Map.of("id", group, "owner", "ann", "members", List.of("ben", "cat")));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return "g:" + group;
  }

  private static RawClient login(TestServer server, String user, Encoding encoding) {
    RawClient c = RawClient.connect(server.ws(), encoding);
    ServerFrame ok =
        c.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setAuth(Auth.newBuilder().setToken(server.token("default", user)))
                .build());
    assertThat(ok.hasAuthOk()).as(ok.toString()).isTrue();
    return c;
  }

  private static RawClient login(String user, Encoding encoding) {
    return login(node, user, encoding);
  }

  private static String id() {
    return "r" + ids.incrementAndGet();
  }

  private static ServerFrame ask(RawClient c, ClientFrame.Builder frame) {
    return c.request(frame.setId(id()).build());
  }

  private static SendAck ack(ServerFrame answer) {
    assertThat(answer.hasSendAck()).as(answer.toString()).isTrue();
    return answer.getSendAck();
  }

  private static String error(ServerFrame answer) {
    assertThat(answer.hasError()).as(answer.toString()).isTrue();
    return answer.getError().getName();
  }

  private static ServerFrame send(RawClient c, String conversation, Send.Builder send) {
    return ask(
        c,
        ClientFrame.newBuilder().setSend(send.setClientMsgId(id()).setConversation(conversation)));
  }

  private static ServerFrame send(RawClient c, String conversation, String text) {
    return send(c, conversation, Send.newBuilder().setText(text));
  }

  private static ServerFrame recall(RawClient c, String conversation, long seq) {
    return ask(
        c,
        ClientFrame.newBuilder()
            .setRecall(Recall.newBuilder().setConversation(conversation).setSeq(seq)));
  }

  private static ServerFrame edit(RawClient c, String conversation, long seq, String text) {
    return ask(
        c,
        ClientFrame.newBuilder()
            .setEdit(Edit.newBuilder().setConversation(conversation).setSeq(seq).setText(text)));
  }

  private static ServerFrame react(
      RawClient c, String conversation, long seq, String emoji, boolean remove) {
    return ask(
        c,
        ClientFrame.newBuilder()
            .setReact(
                React.newBuilder()
                    .setConversation(conversation)
                    .setSeq(seq)
                    .setEmoji(emoji)
                    .setRemove(remove)));
  }

  private static List<Message> pullAll(RawClient c, String conversation) {
    List<Message> all = new ArrayList<>();
    MessagePage page;
    do {
      long after = all.isEmpty() ? 0 : all.getLast().getSeq();
      page =
          ask(
                  c,
                  ClientFrame.newBuilder()
                      .setPull(Pull.newBuilder().setConversation(conversation).setAfterSeq(after)))
              .getMessages();
      all.addAll(page.getMessagesList());
    } while (page.getMore());
    return all;
  }

  /**
   * What one device holds of one conversation, kept the way a client keeps it: catch up by sync
   * from its cursor and pull after the highest seq it holds, take live pushes, and apply each
   * CHANGE entry to its target ({@link MessageChanges}).
   */
  private static final class Device {
    final String user;
    final String conversation;
    final TreeMap<Long, Message> held = new TreeMap<>();
    long cursor;
    ConversationState state = ConversationState.getDefaultInstance();

    Device(String user, String conversation) {
      this.user = user;
      this.conversation = conversation;
    }

    void take(Message m) {
      if (!m.getConversation().equals(conversation) || held.containsKey(m.getSeq())) {
        return;
      }
      held.put(m.getSeq(), m);
      if (m.getType() == MessageType.CHANGE) {
        Message target = held.get(m.getChange().getTargetSeq());
        if (target != null) {
          held.put(target.getSeq(), MessageChanges.apply(target, m, user));
        }
      }
    }

    void catchUp(RawClient c) {
      SyncResult page;
      do {
        page =
            ask(c, ClientFrame.newBuilder().setSync(Sync.newBuilder().setCursor(cursor)))
                .getSyncResult();
        for (ConversationState s : page.getConversationsList()) {
          if (s.getConversation().equals(conversation)) {
            state = s;
          }
        }
        cursor = page.getCursor();
      } while (page.getMore());
      long have = held.isEmpty() ? 0 : held.lastKey();
      if (state.getLastSeq() > have) {
        MessagePage pulled;
        do {
          pulled =
              ask(
                      c,
                      ClientFrame.newBuilder()
                          .setPull(
                              Pull.newBuilder()
                                  .setConversation(conversation)
                                  .setAfterSeq(held.isEmpty() ? 0 : held.lastKey())))
                  .getMessages();
          pulled.getMessagesList().forEach(this::take);
        } while (pulled.getMore());
      }
    }

    /** Takes pushed messages until it holds {@code seq}. */
    void takeLiveUpTo(RawClient c, long seq) {
      while (held.isEmpty() || held.lastKey() < seq) {
        take(c.await(ServerFrame::hasMessage, WAIT).getMessage());
      }
    }

    /** The messages, as they look now; CHANGE entries left out. */
    Map<Long, Message> messages() {
      return held.values().stream()
          .filter(m -> m.getType() != MessageType.CHANGE)
          .collect(Collectors.toMap(Message::getSeq, m -> m, (a, b) -> a, TreeMap::new));
    }
  }

  @Test
  void twoDevicesOfOneUserConvergeAfterOfflineRecallEditAndReactionEvents() {
    String team = newGroup();
    RawClient ann = login("ann", Encoding.JSON);
    RawClient cat = login("cat", Encoding.PROTO);
    // Seq 1 is the group_created event (a SYSTEM message, unread like any other).
    long one =
        ack(send(ann, team, Send.newBuilder().setText("one, @ben").addMentions("ben"))).getSeq();
    long two = ack(send(ann, team, "two")).getSeq();
    long three = ack(send(ann, team, "three")).getSeq();
    assertThat(one).isEqualTo(2);
    Device a = new Device("ben", team);
    Device b = new Device("ben", team);
    RawClient phone = login("ben", Encoding.JSON);
    a.catchUp(phone);
    try (RawClient tablet = login("ben", Encoding.PROTO)) {
      b.catchUp(tablet);
    }
    assertThat(b.state.getMentioned()).isTrue();
    assertThat(b.state.getUnread()).isEqualTo(4);

    // The tablet is offline now; the phone is online and reacts too.
    ack(recall(ann, team, one));
    ack(edit(ann, team, two, "two, fixed"));
    ack(react(phone, team, three, "❤️", false));
    ack(react(cat, team, three, "👍", false));
    ack(react(ann, team, three, "👍", false));
    ack(react(cat, team, two, "😮", false));
    long last = ack(react(cat, team, two, "😮", true)).getSeq();
    a.takeLiveUpTo(phone, last);

    try (RawClient tablet = login("ben", Encoding.PROTO)) {
      b.catchUp(tablet);
    }
    a.catchUp(phone);
    Device fresh = new Device("ben", team);
    fresh.catchUp(phone);
    Map<Long, Message> server =
        pullAll(phone, team).stream()
            .filter(m -> m.getType() != MessageType.CHANGE)
            .collect(Collectors.toMap(Message::getSeq, m -> m, (x, y) -> x, TreeMap::new));

    assertThat(b.messages()).isEqualTo(a.messages()).isEqualTo(server);
    assertThat(fresh.messages()).isEqualTo(server);
    assertThat(b.held.lastKey()).isEqualTo(last);
    Message first = server.get(one);
    assertThat(first.getRecalled()).isTrue();
    assertThat(first.getText()).isEmpty();
    assertThat(first.getMentionsList()).isEmpty();
    assertThat(server.get(two).getText()).isEqualTo("two, fixed");
    assertThat(server.get(two).getEditedAt()).isPositive();
    assertThat(server.get(two).getReactionsList()).isEmpty();
    assertThat(server.get(three).getReactionsList())
        .containsExactly(
            ReactionCount.newBuilder().setEmoji("❤️").setCount(1).setMine(true).build(),
            ReactionCount.newBuilder().setEmoji("👍").setCount(2).build());
    // CHANGE entries are not unread, the user's own reaction did not move its read position, and
    // the recall took the mention with it.
    assertThat(b.state.getLastSeq()).isEqualTo(last);
    assertThat(b.state.getUnread()).isEqualTo(4);
    assertThat(b.state.getReadSeq()).isZero();
    assertThat(b.state.getMentioned()).isFalse();
    assertThat(b.state.getLastMessage().getSeq()).isEqualTo(three);
    assertThat(a.state).isEqualTo(b.state);
    phone.close();
    ann.close();
    cat.close();
  }

  @Test
  void membersCannotRecallOrEditOthersMessagesAndOutsidersCannotReactOrForward() {
    String team = newGroup();
    try (RawClient ann = login("ann", Encoding.JSON);
        RawClient cat = login("cat", Encoding.PROTO);
        RawClient dee = login("dee", Encoding.JSON)) {
      long annSays = ack(send(ann, team, "ann's words")).getSeq();
      long catSays = ack(send(cat, team, "cat's words")).getSeq();

      assertThat(error(recall(cat, team, annSays))).isEqualTo("FORBIDDEN");
      assertThat(error(edit(cat, team, annSays, "cat's now"))).isEqualTo("FORBIDDEN");
      assertThat(error(edit(ann, team, catSays, "even the owner cannot"))).isEqualTo("FORBIDDEN");
      assertThat(error(react(dee, team, annSays, "👍", false))).isEqualTo("NOT_MEMBER");
      assertThat(error(recall(dee, team, annSays))).isEqualTo("NOT_MEMBER");
      ServerFrame forward =
          ask(
              dee,
              ClientFrame.newBuilder()
                  .setForward(
                      Forward.newBuilder()
                          .setClientMsgId("steal")
                          .setFromConversation(team)
                          .setFromSeq(annSays)
                          .setUser("ben")));
      assertThat(error(forward)).isEqualTo("NOT_MEMBER");
      ServerFrame hide =
          ask(
              dee,
              ClientFrame.newBuilder()
                  .setDeleteForMe(DeleteForMe.newBuilder().setConversation(team).setSeq(1)));
      assertThat(error(hide)).isEqualTo("NOT_MEMBER");

      // The owner moderates: it may recall anyone's message; then nobody may edit it.
      assertThat(ack(recall(ann, team, catSays)).getDuplicate()).isFalse();
      assertThat(error(edit(cat, team, catSays, "too late"))).isEqualTo("FORBIDDEN");
      assertThat(error(react(ann, team, catSays, "👍", false))).isEqualTo("FORBIDDEN");
      assertThat(ack(recall(cat, team, catSays)).getDuplicate()).isTrue();
    }
  }

  @Test
  void aRecallAfterTheWindowIsForbiddenToTheSenderButNotToTheGroupOwner() {
    try (TestServer strict =
        TestServer.start(
            dir.resolve("strict"), Map.of(Setting.LIMITS_RECALL_WINDOW_SECONDS, "0"))) {
      for (String u : List.of("ann", "ben")) {
        strict.createUser("default", u);
      }
      strict.call(
          "POST",
          "/v1/apps/default/groups",
          Map.of("id", "strict", "owner", "ann", "members", List.of("ben")));
      try (RawClient ann = login(strict, "ann", Encoding.JSON);
          RawClient ben = login(strict, "ben", Encoding.PROTO)) {
        long seq = ack(send(ben, "g:strict", "said too soon")).getSeq();

        ServerFrame refused = recall(ben, "g:strict", seq);
        assertThat(error(refused)).isEqualTo("FORBIDDEN");
        assertThat(refused.getError().getMessage()).contains("limits.recall-window-seconds");
        assertThat(ack(recall(ann, "g:strict", seq)).getSeq()).isEqualTo(seq + 1);
      }
    }
  }

  @Test
  void aGroupAdminRecallsAnotherMembersMessageAtAnyTimeButAPlainMemberCannot() {
    try (TestServer strict =
        TestServer.start(dir.resolve("roles"), Map.of(Setting.LIMITS_RECALL_WINDOW_SECONDS, "0"))) {
      for (String u : List.of("ann", "ben", "cat", "dee")) {
        strict.createUser("default", u);
      }
      assertThat(
              strict
                  .call(
                      "POST",
                      "/v1/apps/default/groups",
                      Map.of(
                          "id", "roles", "owner", "ann", "members", List.of("ben", "cat", "dee")))
                  .status())
          .isEqualTo(201);
      TestServer.Reply promoted =
          strict.call(
              "PUT", "/v1/apps/default/groups/roles/members/ben/role", Map.of("role", "admin"));
      assertThat(promoted.status()).as(promoted.toString()).isEqualTo(200);
      try (RawClient ben = login(strict, "ben", Encoding.JSON);
          RawClient cat = login(strict, "cat", Encoding.PROTO);
          RawClient dee = login(strict, "dee", Encoding.JSON)) {
        long catSays = ack(send(cat, "g:roles", "past the window at once")).getSeq();
        long deeSays = ack(send(dee, "g:roles", "mine")).getSeq();

        // A plain member may not recall another member's message, nor its own after the window.
        assertThat(error(recall(dee, "g:roles", catSays))).isEqualTo("FORBIDDEN");
        assertThat(error(recall(cat, "g:roles", catSays))).isEqualTo("FORBIDDEN");
        // An admin moderates like the owner: any member's message, at any time.
        SendAck recalled = ack(recall(ben, "g:roles", catSays));
        assertThat(recalled.getDuplicate()).isFalse();
        assertThat(recalled.getSeq()).isGreaterThan(deeSays);
        Message change =
            cat.await(f -> f.hasMessage() && f.getMessage().hasChange(), WAIT).getMessage();
        assertThat(change.getFrom()).isEqualTo("ben");
        assertThat(change.getChange().getTargetSeq()).isEqualTo(catSays);
        assertThat(pullAll(dee, "g:roles").stream().filter(m -> m.getSeq() == catSays))
            .singleElement()
            .satisfies(m -> assertThat(m.getRecalled()).isTrue());
      }
    }
  }

  @Test
  void repliesAndMentionsTravelWithTheMessageAndMarkTheMentionedUsersState() {
    String team = newGroup();
    try (RawClient ann = login("ann", Encoding.JSON);
        RawClient ben = login("ben", Encoding.PROTO)) {
      long question = ack(send(ann, team, "who is in?")).getSeq();
      SyncResult before =
          ask(ben, ClientFrame.newBuilder().setSync(Sync.getDefaultInstance())).getSyncResult();

      long reply =
          ack(send(
                  ann,
                  team,
                  Send.newBuilder()
                      .setText("@ben you?")
                      .setReplyTo(question)
                      .addMentions("ben")
                      .addMentions("ben")))
              .getSeq();

      Message pushed =
          ben.await(f -> f.hasMessage() && f.getMessage().getSeq() == reply, WAIT).getMessage();
      assertThat(pushed.getReplyTo()).isEqualTo(question);
      assertThat(pushed.getMentionsList()).containsExactly("ben");
      SyncResult after =
          ask(
                  ben,
                  ClientFrame.newBuilder().setSync(Sync.newBuilder().setCursor(before.getCursor())))
              .getSyncResult();
      ConversationState state =
          after.getConversationsList().stream()
              .filter(s -> s.getConversation().equals(team))
              .findFirst()
              .orElseThrow();
      assertThat(state.getMentioned()).isTrue();
      ServerFrame read =
          ask(
              ben,
              ClientFrame.newBuilder()
                  .setMarkRead(MarkRead.newBuilder().setConversation(team).setSeq(reply)));
      assertThat(read.getReadState().getUnread()).isZero();

      long entry = ack(react(ben, team, question, "🙋", false)).getSeq();
      assertThat(error(send(ann, team, Send.newBuilder().setText("x").setReplyTo(99))))
          .isEqualTo("MESSAGE_NOT_FOUND");
      assertThat(error(send(ann, team, Send.newBuilder().setText("x").setReplyTo(entry))))
          .isEqualTo("INVALID_ARGUMENT");
      assertThat(error(send(ann, team, Send.newBuilder().setText("x").addMentions("dee"))))
          .isEqualTo("INVALID_ARGUMENT");
      Send.Builder crowd = Send.newBuilder().setText("everyone?");
      IntStream.range(0, 51).forEach(i -> crowd.addMentions("user" + i));
      assertThat(error(send(ann, team, crowd))).isEqualTo("LIMIT_EXCEEDED");
      assertThat(error(send(ann, team, Send.newBuilder().setType(MessageType.CHANGE))))
          .isEqualTo("INVALID_ARGUMENT");
      assertThat(ack(send(ann, team, Send.newBuilder().setText("@all").setMentionAll(true))))
          .isNotNull();
    }
  }

  @Test
  void deleteForMeHidesAMessageFromThatUserOnlyAndTellsItsOtherDevices() {
    String team = newGroup();
    try (RawClient ann = login("ann", Encoding.JSON);
        RawClient phone = login("ben", Encoding.JSON);
        RawClient tablet = login("ben", Encoding.PROTO)) {
      long seq = ack(send(ann, team, "embarrassing")).getSeq();
      ack(send(ann, team, "fine"));

      ServerFrame answer =
          ask(
              phone,
              ClientFrame.newBuilder()
                  .setDeleteForMe(DeleteForMe.newBuilder().setConversation(team).setSeq(seq)));

      assertThat(answer.getDeletedForMe().getSeq()).isEqualTo(seq);
      ServerFrame told = tablet.await(ServerFrame::hasDeletedForMe, WAIT);
      assertThat(told.getId()).isEmpty();
      assertThat(told.getDeletedForMe().getConversation()).isEqualTo(team);
      assertThat(told.getDeletedForMe().getSeq()).isEqualTo(seq);
      List<Message> bens = pullAll(tablet, team);
      // Seq 1 is the group_created event.
      assertThat(bens).extracting(Message::getSeq).containsExactly(1L, seq, seq + 1);
      assertThat(bens.get(1))
          .isEqualTo(
              Message.newBuilder().setConversation(team).setSeq(seq).setDeletedForMe(true).build());
      assertThat(pullAll(ann, team).get(1).getText()).isEqualTo("embarrassing");
      assertThatThrownBy(() -> ann.await(ServerFrame::hasDeletedForMe, Duration.ofMillis(300)))
          .isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void aForwardIsACopyWithItsOriginThatIsStoredOncePerClientMessageId() {
    String team = newGroup();
    try (RawClient ann = login("ann", Encoding.JSON);
        RawClient ben = login("ben", Encoding.PROTO);
        RawClient dee = login("dee", Encoding.JSON)) {
      long seq =
          ack(send(
                  ann,
                  team,
                  Send.newBuilder().setType(MessageType.CUSTOM).setPayload("{\"sku\":7}")))
              .getSeq();
      Forward.Builder forward =
          Forward.newBuilder()
              .setClientMsgId("fw-" + id())
              .setFromConversation(team)
              .setFromSeq(seq)
              .setUser("dee");

      SendAck first = ack(ask(ben, ClientFrame.newBuilder().setForward(forward)));
      SendAck again = ack(ask(ben, ClientFrame.newBuilder().setForward(forward)));

      assertThat(first.getConversation()).isEqualTo("d:ben:dee");
      assertThat(again.getDuplicate()).isTrue();
      assertThat(again.getSeq()).isEqualTo(first.getSeq());
      Message copy = dee.await(ServerFrame::hasMessage, WAIT).getMessage();
      assertThat(copy.getFrom()).isEqualTo("ben");
      assertThat(copy.getType()).isEqualTo(MessageType.CUSTOM);
      assertThat(copy.getPayload()).isEqualTo("{\"sku\":7}");
      assertThat(copy.getForwardedFrom()).isEqualTo(team + "#" + seq);
      ack(recall(ann, team, seq));
      ServerFrame recalled =
          ask(ben, ClientFrame.newBuilder().setForward(forward.setClientMsgId("fw-" + id())));
      assertThat(error(recalled)).isEqualTo("FORBIDDEN");
    }
  }
}
