package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole node over real sockets: REST to set up, raw protocol frames to chat, in both encodings.
 * Covers delivery, multi-device, offline catch-up, idempotency and read state.
 */
class EndToEndMessagingTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static TestServer node;

  @BeforeAll
  static void start() {
    // One user sends 250 messages in a burst below: past the default per-user rate limit (200 at
    // once), which this test is not about (GatewayLimitsTest is).
    node =
        TestServer.start(
            dir,
            Map.of(Setting.LIMITS_PULL_PAGE_MAX, "100", Setting.LIMITS_RATE_USER_PER_SECOND, "0"));
    for (String u : List.of("alice", "bob", "carol", "dan", "eve", "fay", "gus")) {
      node.createUser("default", u);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static RawClient login(String user, Encoding encoding) {
    RawClient c = RawClient.connect(node.ws(), encoding);
    ServerFrame ok =
        c.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setAuth(Auth.newBuilder().setToken(node.token("default", user)))
                .build());
    assertThat(ok.hasAuthOk()).as(ok.toString()).isTrue();
    return c;
  }

  private static String id() {
    return "r" + ids.incrementAndGet();
  }

  private static ServerFrame send(RawClient c, Send.Builder send) {
    ServerFrame ack = c.request(ClientFrame.newBuilder().setId(id()).setSend(send).build());
    assertThat(ack.hasSendAck()).as(ack.toString()).isTrue();
    return ack;
  }

  private static Message nextMessage(RawClient c) {
    return c.await(ServerFrame::hasMessage, WAIT).getMessage();
  }

  @Test
  void theIdempotencyKeyIsSharedByRestAndTheSocketAndComparesTheKeyOnly() {
    TestServer.Reply viaRest =
        node.call(
            "POST",
            "/v1/apps/default/messages",
            Map.of("from", "gus", "to", "eve", "text", "first text", "clientMsgId", "shared-1"));
    assertThat(viaRest.status()).as(viaRest.toString()).isEqualTo(201);

    try (RawClient gus = login("gus", Encoding.PROTO)) {
      ServerFrame ack =
          send(gus, Send.newBuilder().setClientMsgId("shared-1").setUser("eve").setText("other"));
      // The same key with another text, over the socket: the original's ack, nothing stored.
      assertThat(ack.getSendAck().getDuplicate()).isTrue();
      assertThat(ack.getSendAck().getSeq()).isEqualTo(viaRest.body().get("seq").asLong());
      assertThat(ack.getSendAck().getMessageId())
          .isEqualTo(viaRest.body().get("messageId").asText());
    }
    TestServer.Reply listed =
        node.call("GET", "/v1/apps/default/conversations/d:eve:gus/messages", null);
    assertThat(listed.body().get("messages").findValuesAsText("text"))
        .containsExactly("first text");
  }

  @Test
  void aDirectMessageReachesThePeerAndEverySenderDevice() {
    try (RawClient phone = login("alice", Encoding.PROTO);
        RawClient laptop = login("alice", Encoding.JSON);
        RawClient bob = login("bob", Encoding.JSON)) {
      ServerFrame ack =
          send(phone, Send.newBuilder().setClientMsgId("a-1").setUser("bob").setText("hi bob"));
      long seq = ack.getSendAck().getSeq();
      for (RawClient device : List.of(bob, laptop, phone)) {
        Message m = nextMessage(device);
        assertThat(m.getConversation()).isEqualTo("d:alice:bob");
        assertThat(m.getSeq()).isEqualTo(seq);
        assertThat(m.getFrom()).isEqualTo("alice");
        assertThat(m.getText()).isEqualTo("hi bob");
      }
    }
  }

  @Test
  void aGroupMessageReachesEveryOnlineMemberOnceAndNoOneElse() {
    node.call(
        "POST",
        "/v1/apps/default/groups",
        Map.of("id", "study", "owner", "carol", "members", List.of("dan", "eve")));
    try (RawClient carol = login("carol", Encoding.JSON);
        RawClient dan = login("dan", Encoding.PROTO);
        RawClient eve = login("eve", Encoding.JSON);
        RawClient outsider = login("fay", Encoding.JSON)) {
      send(dan, Send.newBuilder().setClientMsgId("g-1").setGroup("study").setText("quiz at 9"));
      for (RawClient member : List.of(carol, dan, eve)) {
        Message m = nextMessage(member);
        assertThat(m.getConversation()).isEqualTo("g:study");
        // Seq 1 is the group_created event, stored before anyone connected.
        assertThat(m.getSeq()).isEqualTo(2);
        assertThat(m.getText()).isEqualTo("quiz at 9");
      }
      ServerFrame refused =
          outsider.request(
              ClientFrame.newBuilder()
                  .setId(id())
                  .setSend(Send.newBuilder().setClientMsgId("f-1").setGroup("study").setText("x"))
                  .build());
      assertThat(refused.getError().getName()).isEqualTo("NOT_MEMBER");
      // The outsider's own request was answered; no group message was pushed to it.
      assertThatThrownBy(() -> outsider.await(ServerFrame::hasMessage, Duration.ofMillis(300)))
          .isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void anOfflineDeviceCatchesUpEverythingBySyncAndPullWithNoGapOrDuplicate() {
    try (RawClient alice = login("alice", Encoding.PROTO)) {
      for (int i = 1; i <= 250; i++) {
        send(alice, Send.newBuilder().setClientMsgId("off-" + i).setUser("gus").setText("n" + i));
      }
    }
    try (RawClient gus = login("gus", Encoding.JSON)) {
      long cursor = 0;
      List<ConversationState> changed = new ArrayList<>();
      SyncResult page;
      do {
        page =
            gus.request(
                    ClientFrame.newBuilder()
                        .setId(id())
                        .setSync(Sync.newBuilder().setCursor(cursor).setLimit(1))
                        .build())
                .getSyncResult();
        changed.addAll(page.getConversationsList());
        cursor = page.getCursor();
      } while (page.getMore());
      ConversationState direct =
          changed.stream()
              .filter(s -> s.getConversation().equals("d:alice:gus"))
              .findFirst()
              .orElseThrow();
      assertThat(direct.getLastSeq()).isEqualTo(250);
      assertThat(direct.getUnread()).isEqualTo(250);
      assertThat(direct.getLastMessage().getText()).isEqualTo("n250");

      List<Long> seqs = new ArrayList<>();
      long after = 0;
      MessagePage messages;
      do {
        messages =
            gus.request(
                    ClientFrame.newBuilder()
                        .setId(id())
                        .setPull(
                            Pull.newBuilder()
                                .setConversation("d:alice:gus")
                                .setAfterSeq(after)
                                .setLimit(1000))
                        .build())
                .getMessages();
        assertThat(messages.getMessagesCount()).isLessThanOrEqualTo(100);
        messages.getMessagesList().forEach(m -> seqs.add(m.getSeq()));
        after = seqs.getLast();
      } while (messages.getMore());
      assertThat(seqs).hasSize(250).doesNotHaveDuplicates().isSorted();
      assertThat(seqs.getFirst()).isEqualTo(1);

      // Nothing changed since the cursor: the next sync is empty.
      SyncResult again =
          gus.request(
                  ClientFrame.newBuilder()
                      .setId(id())
                      .setSync(Sync.newBuilder().setCursor(cursor))
                      .build())
              .getSyncResult();
      assertThat(again.getConversationsList()).isEmpty();
    }
  }

  @Test
  void aResendAfterReconnectReturnsTheOriginalAndStoresNothingNew() {
    long seq;
    try (RawClient bob = login("bob", Encoding.JSON)) {
      seq =
          send(bob, Send.newBuilder().setClientMsgId("once").setUser("eve").setText("only once"))
              .getSendAck()
              .getSeq();
    }
    try (RawClient bob = login("bob", Encoding.PROTO)) {
      ServerFrame again =
          send(bob, Send.newBuilder().setClientMsgId("once").setUser("eve").setText("only once"));
      assertThat(again.getSendAck().getDuplicate()).isTrue();
      assertThat(again.getSendAck().getSeq()).isEqualTo(seq);
    }
    var history = node.call("GET", "/v1/apps/default/conversations/d:bob:eve/messages", null);
    assertThat(history.body().get("messages").findValuesAsText("clientMsgId"))
        .containsOnlyOnce("once");
  }

  @Test
  void aReadOnOneDeviceReachesTheOtherDeviceBySync() {
    try (RawClient sender = login("carol", Encoding.JSON)) {
      send(sender, Send.newBuilder().setClientMsgId("r-1").setUser("fay").setText("one"));
      send(sender, Send.newBuilder().setClientMsgId("r-2").setUser("fay").setText("two"));
    }
    try (RawClient phone = login("fay", Encoding.JSON);
        RawClient tablet = login("fay", Encoding.PROTO)) {
      SyncResult before =
          tablet
              .request(
                  ClientFrame.newBuilder().setId(id()).setSync(Sync.getDefaultInstance()).build())
              .getSyncResult();
      ServerFrame read =
          phone.request(
              ClientFrame.newBuilder()
                  .setId(id())
                  .setMarkRead(MarkRead.newBuilder().setConversation("d:carol:fay").setSeq(2))
                  .build());
      assertThat(read.getReadState().getUnread()).isZero();
      SyncResult after =
          tablet
              .request(
                  ClientFrame.newBuilder()
                      .setId(id())
                      .setSync(Sync.newBuilder().setCursor(before.getCursor()))
                      .build())
              .getSyncResult();
      assertThat(after.getConversationsList())
          .singleElement()
          .satisfies(s -> {
            assertThat(s.getConversation()).isEqualTo("d:carol:fay");
            assertThat(s.getReadSeq()).isEqualTo(2);
            assertThat(s.getUnread()).isZero();
          });
    }
  }

  @Test
  void deletingAUserClosesItsConnectionsAndItsTokenNoLongerWorks() {
    node.createUser("default", "leaver");
    String token = node.token("default", "leaver");
    RawClient c = RawClient.connect(node.ws(), Encoding.JSON);
    assertThat(
            c.request(
                    ClientFrame.newBuilder()
                        .setId(id())
                        .setAuth(Auth.newBuilder().setToken(token))
                        .build())
                .hasAuthOk())
        .isTrue();
    assertThat(node.call("DELETE", "/v1/apps/default/users/leaver", null).status()).isEqualTo(204);
    assertThat(c.awaitClose(WAIT)).isEqualTo(4103);

    RawClient again = RawClient.connect(node.ws(), Encoding.JSON);
    ServerFrame refused =
        again.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setAuth(Auth.newBuilder().setToken(token))
                .build());
    assertThat(refused.getError().getName()).isEqualTo("USER_ID_RETIRED");
    assertThat(again.awaitClose(WAIT)).isEqualTo(4103);
  }

  @Test
  void aTokenOfAnotherAppIsRefused() {
    var shop = node.call("POST", "/v1/apps", Map.of("id", "shop2"));
    assertThat(shop.status()).isEqualTo(201);
    node.createUser("shop2", "buyer");
    String token = node.token("shop2", "buyer");
    RawClient c = RawClient.connect(node.ws(), Encoding.PROTO);
    ServerFrame refused =
        c.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setAuth(Auth.newBuilder().setToken(token).setApp("default"))
                .build());
    assertThat(refused.getError().getName()).isEqualTo("WRONG_APP");
    assertThat(c.awaitClose(WAIT)).isEqualTo(4100);
  }
}
