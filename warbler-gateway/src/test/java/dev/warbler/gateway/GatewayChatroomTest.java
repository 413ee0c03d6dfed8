package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.chatrooms.ChatroomLimits;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ChatroomJoined;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.LeaveChatroom;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.testkit.RawClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Chatrooms over real sockets: join, recent messages, live fan-out, leave, limits, deletion. */
class GatewayChatroomTest {
  private static final int RECENT = 5;
  private static final int MAX_ROOMS_PER_CONNECTION = 3;
  private static TestGateway server;
  private static final AtomicInteger ids = new AtomicInteger();

  @BeforeAll
  static void start() {
    server =
        new TestGateway(
            GatewayConfig.defaults(),
            new ChatroomLimits(RECENT, 5_000, MAX_ROOMS_PER_CONNECTION, 1_000));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String newRoom() {
    return newRoom(0);
  }

  private static String newRoom(int maxMembers) {
    String room = "room-" + ids.incrementAndGet();
    server.chatrooms.create(TestGateway.APP, room, "Room " + room, maxMembers);
    return room;
  }

  private static String id() {
    return "r" + ids.incrementAndGet();
  }

  private static ServerFrame join(RawClient c, String room, int recent) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setJoinChatroom(JoinChatroom.newBuilder().setRoom(room).setRecent(recent))
            .build());
  }

  private static ChatroomJoined joined(RawClient c, String room, int recent) {
    ServerFrame answer = join(c, room, recent);
    assertThat(answer.hasChatroomJoined()).as(answer.toString()).isTrue();
    return answer.getChatroomJoined();
  }

  private static ServerFrame sendTo(RawClient c, String room, String text) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setSend(
                Send.newBuilder()
                    .setClientMsgId("c" + ids.incrementAndGet())
                    .setChatroom(room)
                    .setText(text))
            .build());
  }

  private static SendAck ack(RawClient c, String room, String text) {
    ServerFrame answer = sendTo(c, room, text);
    assertThat(answer.hasSendAck()).as(answer.toString()).isTrue();
    return answer.getSendAck();
  }

  private static ChatroomMessage nextRoomMessage(RawClient c) {
    return c.await(ServerFrame::hasChatroomMessage, WAIT).getChatroomMessage();
  }

  private static void assertNoRoomMessage(RawClient c) {
    // A ping answered after the send's fan-out proves nothing else was queued before it.
    assertThat(
            c.request(
                    ClientFrame.newBuilder()
                        .setId(id())
                        .setPing(dev.warbler.protocol.v1.Ping.getDefaultInstance())
                        .build())
                .hasPong())
        .isTrue();
    assertThat(c.drain()).noneMatch(ServerFrame::hasChatroomMessage);
  }

  @Test
  void aJoinerGetsTheNewestRecentMessagesOldestFirstAndTheRoomsState() {
    String room = newRoom();
    RawClient teacher = server.login(server.newUser());
    joined(teacher, room, 0);
    for (int i = 1; i <= 7; i++) {
      ack(teacher, room, "slide " + i);
    }
    RawClient student = server.login(server.newUser(), Encoding.PROTO);

    ChatroomJoined j = joined(student, room, 3);

    assertThat(j.getRoom()).isEqualTo(room);
    assertThat(j.getName()).isEqualTo("Room " + room);
    assertThat(j.getPresentCount()).isEqualTo(2);
    assertThat(j.getLastSeq()).isEqualTo(7);
    assertThat(j.getEpoch()).isPositive();
    assertThat(j.getRecentList())
        .extracting(Message::getText)
        .containsExactly("slide 5", "slide 6", "slide 7");
    assertThat(j.getRecentList()).extracting(Message::getConversation).containsOnly("r:" + room);
    assertThat(joined(server.login(server.newUser()), room, 100).getRecentCount())
        .as("capped at chatroom.recent-messages")
        .isEqualTo(RECENT);
  }

  @Test
  void aMessageReachesEveryPresentConnectionAndNobodyElseAndTheSenderBeforeItsAck() {
    String room = newRoom();
    String alice = server.newUser();
    RawClient sender = server.login(alice);
    RawClient sameUserOtherDevice = server.login(alice, Encoding.PROTO);
    RawClient listener = server.login(server.newUser(), Encoding.PROTO);
    RawClient outsider = server.login(server.newUser());
    joined(sender, room, 0);
    joined(sameUserOtherDevice, room, 0);
    joined(listener, room, 0);

    sender.send(
        ClientFrame.newBuilder()
            .setId("s1")
            .setSend(Send.newBuilder().setClientMsgId("hello-1").setChatroom(room).setText("hello"))
            .build());

    ServerFrame first = sender.next(WAIT);
    ServerFrame second = sender.next(WAIT);
    assertThat(first.hasChatroomMessage()).as(first.toString()).isTrue();
    assertThat(second.getId()).isEqualTo("s1");
    SendAck ack = second.getSendAck();
    assertThat(ack.getConversation()).isEqualTo("r:" + room);
    assertThat(ack.getSeq()).isEqualTo(1);
    for (RawClient c : List.of(sameUserOtherDevice, listener)) {
      ChatroomMessage pushed = nextRoomMessage(c);
      assertThat(pushed.getRoom()).isEqualTo(room);
      assertThat(pushed.getEpoch()).isEqualTo(first.getChatroomMessage().getEpoch());
      assertThat(pushed.getMessage().getId()).isEqualTo(ack.getMessageId());
      assertThat(pushed.getMessage().getFrom()).isEqualTo(alice);
      assertThat(pushed.getMessage().getText()).isEqualTo("hello");
    }
    assertNoRoomMessage(outsider);
  }

  @Test
  void messagesArriveInSeqOrderAndAResendIsRecognizedAsADuplicate() {
    String room = newRoom();
    RawClient a = server.login(server.newUser());
    RawClient b = server.login(server.newUser(), Encoding.PROTO);
    joined(a, room, 0);
    joined(b, room, 0);
    for (int i = 0; i < 20; i++) {
      a.send(
          ClientFrame.newBuilder()
              .setId("s" + i)
              .setSend(Send.newBuilder().setClientMsgId("m" + i).setChatroom(room).setText("n" + i))
              .build());
    }
    List<Long> seqs =
        IntStream.range(0, 20).mapToObj(i -> nextRoomMessage(b).getMessage().getSeq()).toList();

    assertThat(seqs)
        .containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(i -> (long) i).toList());
    ServerFrame again =
        a.request(
            ClientFrame.newBuilder()
                .setId("again")
                .setSend(Send.newBuilder().setClientMsgId("m19").setChatroom(room).setText("n19"))
                .build());
    assertThat(again.getSendAck().getDuplicate()).isTrue();
    assertThat(again.getSendAck().getSeq()).isEqualTo(20);
  }

  @Test
  void leavingOrClosingStopsDeliveryAndFreesThePlace() {
    String room = newRoom();
    RawClient sender = server.login(server.newUser());
    RawClient leaver = server.login(server.newUser());
    RawClient closer = server.login(server.newUser());
    joined(sender, room, 0);
    joined(leaver, room, 0);
    joined(closer, room, 0);

    ServerFrame left =
        leaver.request(
            ClientFrame.newBuilder()
                .setId("l1")
                .setLeaveChatroom(LeaveChatroom.newBuilder().setRoom(room))
                .build());
    closer.close();

    assertThat(left.getChatroomLeft().getRoom()).isEqualTo(room);
    await().atMost(WAIT).until(() -> server.chatrooms.status(TestGateway.APP, room).present() == 1);
    ack(sender, room, "anyone?");
    assertNoRoomMessage(leaver);
    ServerFrame refused = sendTo(leaver, room, "let me back in");
    assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.NOT_MEMBER.code());
  }

  @Test
  void aRoomThatIsFullOrAConnectionInTooManyRoomsIsRefusedWithLimitExceeded() {
    String small = newRoom(1);
    joined(server.login(server.newUser()), small, 0);
    RawClient late = server.login(server.newUser());

    ServerFrame full = join(late, small, 0);

    assertThat(full.getError().getCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
    for (int i = 0; i < MAX_ROOMS_PER_CONNECTION; i++) {
      joined(late, newRoom(), 0);
    }
    ServerFrame tooMany = join(late, newRoom(), 0);
    assertThat(tooMany.getError().getCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
    assertThat(tooMany.getError().getMessage()).contains("chatroom.max-rooms-per-connection");
  }

  @Test
  void badRoomsAndRoomHistoryAreRefusedWithClearErrors() {
    RawClient c = server.login(server.newUser());

    assertThat(join(c, "no-such-room", 0).getError().getCode())
        .isEqualTo(ErrorCode.NOT_FOUND.code());
    assertThat(join(c, "bad room!", 0).getError().getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(join(c, newRoom(), -1).getError().getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    ServerFrame pull =
        c.request(
            ClientFrame.newBuilder()
                .setId("p")
                .setPull(Pull.newBuilder().setConversation("r:" + newRoom()))
                .build());
    assertThat(pull.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(pull.getError().getMessage()).contains("chatroom");
  }

  @Test
  void chatroomsAreNotInSyncResults() {
    String room = newRoom();
    RawClient c = server.login(server.newUser());
    joined(c, room, 0);
    ack(c, room, "live only");

    ServerFrame sync =
        c.request(ClientFrame.newBuilder().setId("y").setSync(Sync.getDefaultInstance()).build());

    assertThat(sync.getSyncResult().getConversationsList()).isEmpty();
  }

  @Test
  void deletingARoomTellsThosePresentAndARecreatedRoomStartsANewEpoch() {
    String room = newRoom();
    RawClient c = server.login(server.newUser());
    long oldEpoch = joined(c, room, 0).getEpoch();
    ack(c, room, "before");
    nextRoomMessage(c);

    server.chatrooms.delete(TestGateway.APP, room);

    ServerFrame left = c.await(ServerFrame::hasChatroomLeft, WAIT);
    assertThat(left.getId()).isEmpty();
    assertThat(left.getChatroomLeft().getRoom()).isEqualTo(room);
    assertThat(left.getChatroomLeft().getReason()).contains("deleted");
    assertThat(sendTo(c, room, "gone?").getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND.code());
    server.chatrooms.create(TestGateway.APP, room, "again", 0);
    ChatroomJoined again = joined(c, room, 10);
    assertThat(again.getEpoch()).isGreaterThan(oldEpoch);
    assertThat(again.getLastSeq()).isZero();
    assertThat(again.getRecentList()).isEmpty();
    assertThat(ack(c, room, "after").getSeq()).isEqualTo(1);
  }

  @Test
  void aListenerThatStopsReadingIsClosedWith4000WhileTheOthersGetEveryMessage() {
    try (TestGateway small =
        new TestGateway(
            GatewayConfig.defaults().withMaxOutboundBytes(4 * 1024), ChatroomLimits.DEFAULTS)) {
      String room = "stage";
      small.chatrooms.create(TestGateway.APP, room, "", 0);
      RawClient slow = small.login(small.newUser(), Encoding.PROTO);
      RawClient reader = small.login(small.newUser(), Encoding.PROTO);
      joined(slow, room, 0);
      joined(reader, room, 0);
      slow.pauseReading();
      String text = "x".repeat(1_000);
      String sender = small.newUser();

      int sent = 0;
      while (small.counter("warbler.gateway.slow.consumers") == 0 && sent < 20_000) {
        sent++;
        small.chatrooms.sendAs(
            TestGateway.APP,
            sender,
            room,
            new dev.warbler.core.messaging.SendRequest(
                new dev.warbler.core.messaging.SendRequest.Target.ToConversation(
                    dev.warbler.core.messaging.ConversationId.room(room)),
                "m" + sent,
                dev.warbler.core.messaging.MessageType.TEXT,
                text,
                ""));
        // The reader keeps up (it reads each message before the next is sent), so only the
        // paused client falls behind.
        assertThat(nextRoomMessage(reader).getMessage().getSeq()).isEqualTo(sent);
      }

      assertThat(small.counter("warbler.gateway.slow.consumers")).isEqualTo(1);
      slow.resumeReading();
      assertThat(slow.awaitClose(WAIT)).isEqualTo(4000);
      await()
          .atMost(WAIT)
          .until(() -> small.chatrooms.status(TestGateway.APP, room).present() == 1);
    }
  }

  @Test
  void aRoomWithTwoThousandPresentConnectionsDeliversAMessageToEachOfThem() {
    String room = newRoom();
    int listeners = 2_000;
    // Users may have many connections; 40 users with 50 connections each keep setup cheap.
    List<String> tokens =
        IntStream.range(0, 40).mapToObj(i -> server.token(server.newUser())).toList();
    try (LightClients crowd = new LightClients()) {
      crowd.open(server.uri(), listeners, i -> tokens.get(i % tokens.size()), room);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> crowd.joined.get() == listeners || !crowd.problems.isEmpty());
      assertThat(crowd.problems).isEmpty();
      RawClient teacher = server.login(server.newUser(), Encoding.PROTO);
      assertThat(joined(teacher, room, 0).getPresentCount()).isEqualTo(listeners + 1);

      SendAck first = ack(teacher, room, "welcome, everyone");
      SendAck second = ack(teacher, room, "let's begin");

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> crowd.totalReceived() == 2 * listeners || !crowd.problems.isEmpty());
      assertThat(crowd.problems).isEmpty();
      assertThat(crowd.clientsThatReceived(List.of(first.getSeq(), second.getSeq())))
          .isEqualTo(listeners);
    }
  }
}
