package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.APP;
import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.warbler.core.state.StateLimits;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.Delivered;
import dev.warbler.protocol.v1.GetReceipts;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.MemberReceipt;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.Receipts;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.protocol.v1.Typing;
import dev.warbler.testkit.RawClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Read and delivery receipts and typing over real sockets and a real store: who gets which push,
 * what is stored, and what is refused.
 */
class GatewayReceiptsTest {
  private static final AtomicInteger ids = new AtomicInteger();
  private static TestGateway server;

  /** Small limits and no typing rate limit, for the refusal tests. */
  private static TestGateway tight;

  @BeforeAll
  static void start() {
    // A typing interval far longer than any test: what is dropped is dropped, however slow the
    // machine.
    server =
        new TestGateway(
            GatewayConfig.defaults(),
            new StateLimits(200, 100, Duration.ofHours(1), 500, 200, 8 * 1024));
    tight =
        new TestGateway(GatewayConfig.defaults(), new StateLimits(2, 2, Duration.ZERO, 3, 2, 64));
  }

  @AfterAll
  static void stop() {
    server.close();
    tight.close();
  }

  private static String id() {
    return "r" + ids.incrementAndGet();
  }

  static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  static ServerFrame send(RawClient c, String conversation, String text) {
    ServerFrame ack =
        c.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setSend(
                    Send.newBuilder()
                        .setClientMsgId("c" + ids.incrementAndGet())
                        .setConversation(conversation)
                        .setText(text))
                .build());
    assertThat(ack.hasSendAck()).as(ack.toString()).isTrue();
    return ack;
  }

  static ServerFrame markRead(RawClient c, String conversation, long seq) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setMarkRead(MarkRead.newBuilder().setConversation(conversation).setSeq(seq))
            .build());
  }

  static ClientFrame delivered(String id, String conversation, long seq) {
    return ClientFrame.newBuilder()
        .setId(id)
        .setDelivered(Delivered.newBuilder().setConversation(conversation).setSeq(seq))
        .build();
  }

  static ClientFrame typing(String id, String conversation, boolean active) {
    return ClientFrame.newBuilder()
        .setId(id)
        .setTyping(Typing.newBuilder().setConversation(conversation).setActive(active))
        .build();
  }

  static ServerFrame receipts(RawClient c, String conversation, String cursor, int limit) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setGetReceipts(
                GetReceipts.newBuilder()
                    .setConversation(conversation)
                    .setCursor(cursor)
                    .setLimit(limit))
            .build());
  }

  static ServerFrame ping(RawClient c) {
    return c.request(
        ClientFrame.newBuilder().setId(id()).setPing(Ping.getDefaultInstance()).build());
  }

  /** Frames other than messages received up to the answer of a ping (which proves order). */
  static List<ServerFrame> eventsUntilPing(RawClient c) {
    String pingId = id();
    c.send(ClientFrame.newBuilder().setId(pingId).setPing(Ping.getDefaultInstance()).build());
    List<ServerFrame> seen = new ArrayList<>();
    while (true) {
      ServerFrame f = c.next(WAIT);
      if (f.getId().equals(pingId)) {
        return seen;
      }
      if (!f.hasMessage()) {
        seen.add(f);
      }
    }
  }

  private static String group(TestGateway gw, String owner, List<String> members) {
    String group = "g" + ids.incrementAndGet();
    gw.directory.createGroup(APP, group, group, owner, members);
    return group;
  }

  // ---- read receipts -----------------------------------------------------------------------

  @Test
  void aReadReceiptReachesThePeerAndTheReadersOtherDeviceButOnlyWhenThePositionRises() {
    String alice = server.newUser();
    String bob = server.newUser();
    String chat = direct(alice, bob);
    RawClient bobPhone = server.login(bob, Encoding.PROTO);
    send(bobPhone, chat, "one");
    send(bobPhone, chat, "two");
    RawClient alicePhone = server.login(alice, Encoding.JSON);
    RawClient aliceLaptop = server.login(alice, Encoding.PROTO);

    ServerFrame answer = markRead(alicePhone, chat, 2);

    assertThat(answer.getReadState().getReadSeq()).isEqualTo(2);
    assertThat(answer.getReadState().getUnread()).isZero();
    for (RawClient device : List.of(bobPhone, aliceLaptop, alicePhone)) {
      ServerFrame pushed = device.await(ServerFrame::hasReadReceipt, WAIT);
      assertThat(pushed.getId()).isEmpty();
      assertThat(pushed.getReadReceipt().getConversation()).isEqualTo(chat);
      assertThat(pushed.getReadReceipt().getUser()).isEqualTo(alice);
      assertThat(pushed.getReadReceipt().getReadSeq()).isEqualTo(2);
    }

    // Marking the same position again (or a lower one) moves nothing and pushes nothing.
    assertThat(markRead(aliceLaptop, chat, 1).getReadState().getReadSeq()).isEqualTo(2);
    assertThat(eventsUntilPing(bobPhone)).noneMatch(ServerFrame::hasReadReceipt);
  }

  @Test
  void twoDevicesOfOneUserConvergeOnTheReadPositionAfterOneWasOffline() {
    String alice = server.newUser();
    String bob = server.newUser();
    String chat = direct(alice, bob);
    RawClient bobPhone = server.login(bob);
    send(bobPhone, chat, "one");
    RawClient laptop = server.login(alice);
    SyncResult before =
        laptop
            .request(
                ClientFrame.newBuilder().setId(id()).setSync(Sync.getDefaultInstance()).build())
            .getSyncResult();
    long cursor = before.getCursor();
    laptop.close();

    send(bobPhone, chat, "two");
    send(bobPhone, chat, "three");
    RawClient phone = server.login(alice);
    markRead(phone, chat, 3);

    RawClient laptopAgain = server.login(alice);
    SyncResult after =
        laptopAgain
            .request(
                ClientFrame.newBuilder()
                    .setId(id())
                    .setSync(Sync.newBuilder().setCursor(cursor))
                    .build())
            .getSyncResult();
    ConversationState state =
        after.getConversationsList().stream()
            .filter(s -> s.getConversation().equals(chat))
            .findFirst()
            .orElseThrow();
    assertThat(state.getLastSeq()).isEqualTo(3);
    assertThat(state.getReadSeq()).isEqualTo(3);
    assertThat(state.getUnread()).isZero();
  }

  @Test
  void aGroupAboveTheFanOutLimitGetsNoReceiptPushesButKeepsThePositions() {
    String a = tight.newUser();
    String b = tight.newUser();
    String c = tight.newUser();
    String g = "g:" + group(tight, a, List.of(b, c));
    RawClient aClient = tight.login(a);
    RawClient bClient = tight.login(b);
    // seq 1 is the group_created event; the sender's own message moves its read position.
    long seq = send(aClient, g, "hello all").getSendAck().getSeq();
    assertThat(seq).isEqualTo(2);

    assertThat(markRead(bClient, g, seq).getReadState().getReadSeq()).isEqualTo(seq);
    assertThat(bClient.request(delivered("d", g, seq)).getDeliveryReceipt().getDeliveredSeq())
        .isEqualTo(seq);

    assertThat(eventsUntilPing(aClient))
        .noneMatch(f -> f.hasReadReceipt() || f.hasDeliveryReceipt());
    List<MemberReceipt> all = new ArrayList<>();
    String cursor = "";
    do {
      Receipts page = receipts(aClient, g, cursor, 0).getReceipts();
      assertThat(page.getEntriesCount()).isLessThanOrEqualTo(2);
      all.addAll(page.getEntriesList());
      cursor = page.getNextCursor();
    } while (!cursor.isEmpty());
    assertThat(all)
        .extracting(MemberReceipt::getUser, MemberReceipt::getReadSeq)
        .containsExactlyInAnyOrder(tuple(a, seq), tuple(b, seq), tuple(c, 0L));
  }

  // ---- delivery receipts -------------------------------------------------------------------

  @Test
  void deliveryAcksRaiseTheDeliveredPositionAndTellTheSender() {
    String alice = server.newUser();
    String bob = server.newUser();
    String chat = direct(alice, bob);
    RawClient bobPhone = server.login(bob);
    for (int i = 1; i <= 3; i++) {
      send(bobPhone, chat, "m" + i);
    }
    RawClient alicePhone = server.login(alice);
    RawClient aliceLaptop = server.login(alice);
    SyncResult before =
        alicePhone
            .request(
                ClientFrame.newBuilder().setId(id()).setSync(Sync.getDefaultInstance()).build())
            .getSyncResult();

    alicePhone.send(delivered("", chat, 2));

    ServerFrame pushed = bobPhone.await(ServerFrame::hasDeliveryReceipt, WAIT);
    assertThat(pushed.getId()).isEmpty();
    assertThat(pushed.getDeliveryReceipt().getConversation()).isEqualTo(chat);
    assertThat(pushed.getDeliveryReceipt().getUser()).isEqualTo(alice);
    assertThat(pushed.getDeliveryReceipt().getDeliveredSeq()).isEqualTo(2);
    // Without an id, success is not answered; the delivering user's devices get no receipt.
    assertThat(eventsUntilPing(alicePhone)).isEmpty();
    assertThat(eventsUntilPing(aliceLaptop)).isEmpty();

    // With an id it is answered with the stored position: never lowered, capped at the last seq.
    ServerFrame lower = alicePhone.request(delivered("d1", chat, 1));
    assertThat(lower.getDeliveryReceipt().getDeliveredSeq()).isEqualTo(2);
    ServerFrame beyond = alicePhone.request(delivered("d2", chat, 99));
    assertThat(beyond.getDeliveryReceipt().getDeliveredSeq()).isEqualTo(3);
    assertThat(beyond.getDeliveryReceipt().getUser()).isEqualTo(alice);
    assertThat(
            bobPhone
                .await(ServerFrame::hasDeliveryReceipt, WAIT)
                .getDeliveryReceipt()
                .getDeliveredSeq())
        .isEqualTo(3);

    // Delivery moves neither the unread count nor the conversation's sync position.
    SyncResult after =
        alicePhone
            .request(
                ClientFrame.newBuilder()
                    .setId(id())
                    .setSync(Sync.newBuilder().setCursor(before.getCursor()))
                    .build())
            .getSyncResult();
    assertThat(after.getConversationsList()).isEmpty();
    assertThat(before.getConversationsList())
        .filteredOn(c -> c.getConversation().equals(chat))
        .singleElement()
        .satisfies(c -> assertThat(c.getUnread()).isEqualTo(3));

    List<MemberReceipt> entries = receipts(bobPhone, chat, "", 0).getReceipts().getEntriesList();
    assertThat(entries).extracting(MemberReceipt::getUser).isSorted().containsOnly(alice, bob);
    assertThat(entries)
        .filteredOn(e -> e.getUser().equals(alice))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.getReadSeq()).isZero();
          assertThat(e.getDeliveredSeq()).isEqualTo(3);
        });
    assertThat(entries)
        .filteredOn(e -> e.getUser().equals(bob))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.getReadSeq()).isEqualTo(3);
          assertThat(e.getDeliveredSeq()).isEqualTo(3);
        });
  }

  @Test
  void receiptsAndDeliveryAcksAreForMembersOnly() {
    String a = server.newUser();
    String b = server.newUser();
    String outsider = server.newUser();
    String g = "g:" + group(server, a, List.of(b));
    RawClient aClient = server.login(a);
    send(aClient, g, "members only");
    RawClient stranger = server.login(outsider);

    ServerFrame refused = receipts(stranger, g, "", 0);
    assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.NOT_MEMBER.code());
    ServerFrame notified = stranger.request(delivered("", g, 1), WAIT);
    assertThat(notified.getId()).isEmpty();
    assertThat(notified.getError().getCode()).isEqualTo(ErrorCode.NOT_MEMBER.code());
    assertThat(stranger.request(delivered("x", direct(a, b), 1)).getError().getCode())
        .isEqualTo(ErrorCode.NOT_MEMBER.code());
    assertThat(receipts(aClient, g, "%%%", 0).getError().getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(receipts(aClient, "nonsense", "", 0).getError().getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(aClient.request(delivered("neg", g, -1)).getError().getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
  }

  // ---- typing ------------------------------------------------------------------------------

  @Test
  void typingReachesOnlyTheOtherOnlineMembersAndPastTheRateOnlyAStopGetsThrough() {
    String a = server.newUser();
    String b = server.newUser();
    String c = server.newUser();
    String outsider = server.newUser();
    String g = "g:" + group(server, a, List.of(b, c));
    RawClient aPhone = server.login(a);
    RawClient aLaptop = server.login(a);
    RawClient bClient = server.login(b);
    RawClient cClient = server.login(c, Encoding.PROTO);
    RawClient stranger = server.login(outsider);

    aPhone.send(typing("", g, true));
    aPhone.send(typing("", g, true));
    ServerFrame echo = aPhone.request(typing("t1", g, true));
    aPhone.send(typing("", g, false));

    assertThat(echo.getTypingEvent().getUser()).isEqualTo(a);
    assertThat(echo.getTypingEvent().getActive()).isTrue();
    for (RawClient member : List.of(bClient, cClient)) {
      ServerFrame started = member.await(ServerFrame::hasTypingEvent, WAIT);
      assertThat(started.getId()).isEmpty();
      assertThat(started.getTypingEvent().getConversation()).isEqualTo(g);
      assertThat(started.getTypingEvent().getUser()).isEqualTo(a);
      assertThat(started.getTypingEvent().getActive()).isTrue();
      ServerFrame stopped = member.await(ServerFrame::hasTypingEvent, WAIT);
      assertThat(stopped.getTypingEvent().getActive()).isFalse();
      assertThat(eventsUntilPing(member)).noneMatch(ServerFrame::hasTypingEvent);
    }
    assertThat(eventsUntilPing(aLaptop)).noneMatch(ServerFrame::hasTypingEvent);
    assertThat(eventsUntilPing(stranger)).noneMatch(ServerFrame::hasTypingEvent);
  }

  @Test
  void typingInAGroupReachesTheMembersOnlineThroughTheIndexAsMembershipChanges() {
    String a = server.newUser();
    String b = server.newUser();
    String late = server.newUser();
    String g = group(server, a, List.of(b));
    String conversation = "g:" + g;
    RawClient aClient = server.login(a);
    RawClient bClient = server.login(b);
    RawClient lateClient = server.login(late, Encoding.PROTO);
    assertThat(server.sessions.onlineMembers(APP, g)).isEqualTo(2);

    // Added while online: the index learns it, so the next typing reaches it.
    server.directory.addMembers(APP, g, List.of(late));
    assertThat(aClient.request(typing(id(), conversation, true)).hasTypingEvent()).isTrue();
    for (RawClient member : List.of(bClient, lateClient)) {
      ServerFrame pushed = member.await(ServerFrame::hasTypingEvent, WAIT);
      assertThat(pushed.getTypingEvent().getUser()).isEqualTo(a);
      assertThat(pushed.getTypingEvent().getConversation()).isEqualTo(conversation);
    }

    // Removed while online: no longer in the index, so it hears nothing more.
    server.directory.removeMembers(APP, g, List.of(b));
    assertThat(aClient.request(typing(id(), conversation, false)).hasTypingEvent()).isTrue();
    ServerFrame stopped = lateClient.await(ServerFrame::hasTypingEvent, WAIT);
    assertThat(stopped.getTypingEvent().getActive()).isFalse();
    assertThat(eventsUntilPing(bClient)).noneMatch(ServerFrame::hasTypingEvent);
    assertThat(eventsUntilPing(aClient)).noneMatch(ServerFrame::hasTypingEvent);
  }

  @Test
  void aThrottledTypingWithAnIdIsStillRefusedToANonMember() {
    String a = server.newUser();
    String outsider = server.newUser();
    String g = "g:" + group(server, a, List.of());
    RawClient stranger = server.login(outsider);

    ServerFrame first = stranger.request(typing(id(), g, true));
    ServerFrame throttled = stranger.request(typing(id(), g, true));

    assertThat(first.getError().getCode()).isEqualTo(ErrorCode.NOT_MEMBER.code());
    assertThat(throttled.getError().getCode()).isEqualTo(ErrorCode.NOT_MEMBER.code());
  }

  @Test
  void typingIsRefusedToStrangersAndInLargeGroupsWithoutAnIdOnlyOnce() {
    String a = tight.newUser();
    String b = tight.newUser();
    String c = tight.newUser();
    String outsider = tight.newUser();
    String large = "g:" + group(tight, a, List.of(b, c));
    RawClient aClient = tight.login(a);
    RawClient stranger = tight.login(outsider);

    assertThat(stranger.request(typing("s1", large, true)).getError().getCode())
        .isEqualTo(ErrorCode.NOT_MEMBER.code());
    assertThat(aClient.request(typing("t1", large, true)).getError().getCode())
        .isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
    assertThat(aClient.request(typing("t2", large, false)).getError().getCode())
        .isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());

    for (int i = 0; i < 3; i++) {
      aClient.send(typing("", large, i % 2 == 0));
    }
    // Typing is served in order with sends: the ack of a send comes after every refusal.
    List<ServerFrame> errors = new ArrayList<>();
    String sendId = id();
    aClient.send(
        ClientFrame.newBuilder()
            .setId(sendId)
            .setSend(Send.newBuilder().setClientMsgId(sendId).setConversation(large).setText("x"))
            .build());
    for (ServerFrame f = aClient.next(WAIT); !f.getId().equals(sendId); f = aClient.next(WAIT)) {
      if (f.hasError()) {
        errors.add(f);
      }
    }
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).getId()).isEmpty();
    assertThat(errors.get(0).getError().getCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
  }
}
