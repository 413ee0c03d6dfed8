package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.ReadState;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.testkit.RawClient;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GatewayMessagingTest {
  private static TestGateway server;

  @BeforeAll
  static void start() {
    server = new TestGateway();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aDirectMessageReachesThePeerAndTheSendersOtherDeviceAndIsAckedAfterItsPush() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient alicePhone = server.login(alice, Encoding.JSON);
    RawClient aliceLaptop = server.login(alice, Encoding.PROTO);
    RawClient bobPhone = server.login(bob, Encoding.PROTO);

    alicePhone.send(sendTo("s1", "m1", bob, "hi bob"));

    String conversation = "d:" + alice + ":" + bob;
    ServerFrame first = alicePhone.next(WAIT);
    ServerFrame second = alicePhone.next(WAIT);
    assertThat(first.getId()).isEmpty();
    assertThat(first.getMessage().getText()).isEqualTo("hi bob");
    assertThat(second.getId()).isEqualTo("s1");
    SendAck ack = second.getSendAck();
    assertThat(ack.getConversation()).isEqualTo(conversation);
    assertThat(ack.getSeq()).isEqualTo(1);
    assertThat(ack.getClientMsgId()).isEqualTo("m1");
    assertThat(ack.getDuplicate()).isFalse();
    assertThat(ack.getMessageId()).hasSize(22);
    assertThat(ack.getSentAt()).isPositive();
    for (RawClient device : List.of(bobPhone, aliceLaptop)) {
      ServerFrame pushed = device.next(WAIT);
      assertThat(pushed.getId()).isEmpty();
      Message m = pushed.getMessage();
      assertThat(m.getConversation()).isEqualTo(conversation);
      assertThat(m.getSeq()).isEqualTo(1);
      assertThat(m.getId()).isEqualTo(ack.getMessageId());
      assertThat(m.getClientMsgId()).isEqualTo("m1");
      assertThat(m.getFrom()).isEqualTo(alice);
      assertThat(m.getType()).isEqualTo(MessageType.TEXT);
      assertThat(m.getText()).isEqualTo("hi bob");
      assertThat(m.getSentAt()).isEqualTo(ack.getSentAt());
    }
  }

  @Test
  void aGroupMessageReachesEveryMember() {
    String alice = server.newUser();
    String bob = server.newUser();
    String carol = server.newUser();
    server.directory.createGroup("acme", "team-" + alice, "Team", alice, List.of(bob, carol));
    RawClient a = server.login(alice);
    RawClient b = server.login(bob, Encoding.PROTO);
    RawClient c = server.login(carol);

    ServerFrame ack =
        a.request(
            ClientFrame.newBuilder()
                .setId("s1")
                .setSend(
                    Send.newBuilder()
                        .setClientMsgId("g1")
                        .setGroup("team-" + alice)
                        .setType(MessageType.MARKDOWN)
                        .setText("*standup*"))
                .build());

    assertThat(ack.getSendAck().getConversation()).isEqualTo("g:team-" + alice);
    for (RawClient member : List.of(a, b, c)) {
      Message m = member.next(WAIT).getMessage();
      assertThat(m.getConversation()).isEqualTo("g:team-" + alice);
      assertThat(m.getType()).isEqualTo(MessageType.MARKDOWN);
      assertThat(m.getText()).isEqualTo("*standup*");
      assertThat(m.getFrom()).isEqualTo(alice);
    }
  }

  @Test
  void sendingToAGroupTheUserIsNotInIsRefusedWithNotMember() {
    String alice = server.newUser();
    String bob = server.newUser();
    server.directory.createGroup("acme", "club-" + bob, "Club", bob, List.of());
    RawClient a = server.login(alice);

    ServerFrame answer =
        a.request(
            ClientFrame.newBuilder()
                .setId("s1")
                .setSend(
                    Send.newBuilder().setClientMsgId("x").setGroup("club-" + bob).setText("hi"))
                .build());

    assertThat(answer.getError().getName()).isEqualTo(ErrorCode.NOT_MEMBER.name());
    assertThat(answer.getError().getCode()).isEqualTo(ErrorCode.NOT_MEMBER.code());
    assertThat(a.request(ping("p1")).hasPong()).isTrue();
  }

  @Test
  void aSendWithoutATargetIsAnInvalidArgument() {
    RawClient a = server.login(server.newUser());

    ServerFrame answer =
        a.request(
            ClientFrame.newBuilder()
                .setId("s1")
                .setSend(Send.newBuilder().setClientMsgId("x").setText("to nobody"))
                .build());

    assertThat(answer.getError().getName()).isEqualTo(ErrorCode.INVALID_ARGUMENT.name());
  }

  @Test
  void aSendToAMalformedConversationIdIsAnInvalidArgument() {
    RawClient a = server.login(server.newUser());

    ServerFrame answer =
        a.request(
            ClientFrame.newBuilder()
                .setId("s1")
                .setSend(Send.newBuilder().setClientMsgId("x").setConversation("q:1").setText("?"))
                .build());

    assertThat(answer.getError().getName()).isEqualTo(ErrorCode.INVALID_ARGUMENT.name());
  }

  @Test
  void resendingWithTheSameClientIdReturnsTheOriginalSeqAndDeliversNothingNew() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    RawClient b = server.login(bob);

    SendAck first = a.request(sendTo("s1", "same", bob, "once")).getSendAck();
    SendAck again = a.request(sendTo("s2", "same", bob, "once")).getSendAck();
    SendAck next = a.request(sendTo("s3", "other", bob, "twice")).getSendAck();

    assertThat(first.getDuplicate()).isFalse();
    assertThat(again.getDuplicate()).isTrue();
    assertThat(again.getSeq()).isEqualTo(first.getSeq());
    assertThat(again.getMessageId()).isEqualTo(first.getMessageId());
    assertThat(next.getSeq()).isEqualTo(first.getSeq() + 1);
    assertThat(b.next(WAIT).getMessage().getSeq()).isEqualTo(first.getSeq());
    assertThat(b.next(WAIT).getMessage().getSeq())
        .as("the resend delivered nothing in between")
        .isEqualTo(next.getSeq());
  }

  @Test
  void syncPullHistoryAndMarkReadRoundTrip() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice, Encoding.PROTO);
    for (int i = 1; i <= 3; i++) {
      assertThat(a.request(sendTo("s" + i, "m" + i, bob, "text " + i)).hasSendAck()).isTrue();
    }
    RawClient b = server.login(bob);
    String conversation = "d:" + alice + ":" + bob;

    SyncResult sync =
        b.request(ClientFrame.newBuilder().setId("y1").setSync(Sync.newBuilder()).build())
            .getSyncResult();
    assertThat(sync.getConversationsList()).hasSize(1);
    ConversationState state = sync.getConversations(0);
    assertThat(state.getConversation()).isEqualTo(conversation);
    assertThat(state.getLastSeq()).isEqualTo(3);
    assertThat(state.getReadSeq()).isZero();
    assertThat(state.getUnread()).isEqualTo(3);
    assertThat(state.getLastMessage().getText()).isEqualTo("text 3");
    assertThat(sync.getMore()).isFalse();
    assertThat(sync.getCursor()).isPositive();

    MessagePage pulled =
        b.request(
                ClientFrame.newBuilder()
                    .setId("p1")
                    .setPull(
                        Pull.newBuilder().setConversation(conversation).setAfterSeq(1).setLimit(1))
                    .build())
            .getMessages();
    assertThat(pulled.getConversation()).isEqualTo(conversation);
    assertThat(pulled.getMessagesList()).extracting(Message::getSeq).containsExactly(2L);
    assertThat(pulled.getMore()).isTrue();

    MessagePage history =
        b.request(
                ClientFrame.newBuilder()
                    .setId("h1")
                    .setHistory(History.newBuilder().setConversation(conversation).setLimit(2))
                    .build())
            .getMessages();
    assertThat(history.getMessagesList()).extracting(Message::getSeq).containsExactly(2L, 3L);
    assertThat(history.getMore()).isTrue();

    ReadState read =
        b.request(
                ClientFrame.newBuilder()
                    .setId("r1")
                    .setMarkRead(MarkRead.newBuilder().setConversation(conversation).setSeq(2))
                    .build())
            .getReadState();
    assertThat(read.getConversation()).isEqualTo(conversation);
    assertThat(read.getReadSeq()).isEqualTo(2);
    assertThat(read.getUnread()).isEqualTo(1);

    SyncResult after =
        b.request(
                ClientFrame.newBuilder()
                    .setId("y2")
                    .setSync(Sync.newBuilder().setCursor(sync.getCursor()))
                    .build())
            .getSyncResult();
    assertThat(after.getConversationsList())
        .singleElement()
        .satisfies(s -> assertThat(s.getReadSeq()).isEqualTo(2));
  }

  @Test
  void pullingAConversationTheUserIsNotInIsRefusedWithNotMember() {
    String alice = server.newUser();
    String bob = server.newUser();
    String eve = server.newUser();
    RawClient a = server.login(alice);
    a.request(sendTo("s1", "m1", bob, "private"));
    RawClient e = server.login(eve);

    ServerFrame answer =
        e.request(
            ClientFrame.newBuilder()
                .setId("p1")
                .setPull(Pull.newBuilder().setConversation("d:" + alice + ":" + bob))
                .build());

    assertThat(answer.getError().getName()).isEqualTo(ErrorCode.NOT_MEMBER.name());
  }

  @Test
  void pipelinedSendsOfOneConnectionAreStoredInTheOrderTheyWereSent() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    for (int i = 1; i <= 20; i++) {
      a.send(sendTo("s" + i, "m" + i, bob, "n" + i));
    }

    for (int i = 1; i <= 20; i++) {
      String id = "s" + i;
      SendAck ack = a.await(f -> f.getId().equals(id), WAIT).getSendAck();
      assertThat(ack.getClientMsgId()).isEqualTo("m" + i);
      assertThat(ack.getSeq()).isEqualTo(i);
    }
  }

  static ClientFrame sendTo(String id, String clientMsgId, String user, String text) {
    return ClientFrame.newBuilder()
        .setId(id)
        .setSend(Send.newBuilder().setClientMsgId(clientMsgId).setUser(user).setText(text))
        .build();
  }

  static ClientFrame ping(String id) {
    return ClientFrame.newBuilder()
        .setId(id)
        .setPing(dev.warbler.protocol.v1.Ping.newBuilder())
        .build();
  }
}
