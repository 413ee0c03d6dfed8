package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.SendAck;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WarblerClientTest {
  private static final String ALICE_BOB = FakeServer.direct("alice", "bob");
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FakeServer server = new FakeServer();
  private final Recorder recorder = new Recorder();
  private final AtomicInteger tokenCalls = new AtomicInteger();
  private WarblerClient client;

  /** Records what the listener sees, in order. */
  static final class Recorder implements MessageListener {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<Integer> disconnects = new CopyOnWriteArrayList<>();
    final List<AuthOk> connects = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onConnected(AuthOk session) {
      connects.add(session);
    }

    @Override
    public void onDisconnected(int closeCode, String reason) {
      disconnects.add(closeCode);
    }

    List<String> seen() {
      return messages.stream().map(m -> m.getConversation() + "#" + m.getSeq()).toList();
    }
  }

  private WarblerClient.Builder builder() {
    return WarblerClient.builder()
        .webSocket(URI.create("ws://fake/ws"))
        .token(() -> "token-" + tokenCalls.incrementAndGet())
        .listener(recorder)
        .backoff(new Backoff(Duration.ofMillis(1), Duration.ofMillis(20)))
        .requestTimeout(Duration.ofSeconds(2))
        .transport(server);
  }

  private WarblerClient connected(WarblerClient.Builder builder) throws Exception {
    client = builder.build();
    client.connect().get(5, TimeUnit.SECONDS);
    return client;
  }

  @AfterEach
  void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void liveMessagesAreDeliveredInOrderAndDuplicatesDropped() throws Exception {
    connected(builder());
    Message first = server.deliver(ALICE_BOB, "alice", "one");
    server.deliver(ALICE_BOB, "alice", "two");
    server.push(first);

    server.deliver(ALICE_BOB, "alice", "three");

    await().atMost(WAIT).until(() -> recorder.messages.size() >= 3);
    assertThat(recorder.seen())
        .containsExactly(ALICE_BOB + "#1", ALICE_BOB + "#2", ALICE_BOB + "#3");
  }

  @Test
  void aLiveMessageAfterAGapIsDeliveredAfterTheGapIsPulled() throws Exception {
    connected(builder());
    server.store(ALICE_BOB, "alice", "lost one");
    server.store(ALICE_BOB, "alice", "lost two");

    server.deliver(ALICE_BOB, "alice", "three");

    await().atMost(WAIT).until(() -> recorder.messages.size() >= 3);
    assertThat(recorder.seen())
        .containsExactly(ALICE_BOB + "#1", ALICE_BOB + "#2", ALICE_BOB + "#3");
    assertThat(server.received(ClientFrame.BodyCase.PULL)).isNotEmpty();
  }

  @Test
  void startingFromNowSkipsStoredMessagesButDeliversNewOnes() throws Exception {
    server.serverTime = 1_000;
    server.store(ALICE_BOB, "alice", "old");
    server.store(ALICE_BOB, "alice", "older news");
    server.serverTime = 2_000;
    connected(builder());

    server.deliver(ALICE_BOB, "alice", "new");

    await().atMost(WAIT).until(() -> !recorder.messages.isEmpty());
    assertThat(recorder.seen()).containsExactly(ALICE_BOB + "#3");
    assertThat(client.deliveredSeq(ALICE_BOB).get(5, TimeUnit.SECONDS)).hasValue(3);
  }

  @Test
  void startingFromNowStillDeliversMessagesStampedAfterTheServerTimeOfAuth() throws Exception {
    server.serverTime = 1_000;
    server.store(ALICE_BOB, "alice", "before auth");
    server.serverTime = 2_000;
    server.store(ALICE_BOB, "alice", "sent while connecting");
    server.serverTime = 1_500;

    connected(builder());

    assertThat(recorder.seen()).containsExactly(ALICE_BOB + "#2");
  }

  @Test
  void notStartingFromNowDeliversEveryStoredMessageAcrossPages() throws Exception {
    for (int i = 1; i <= 5; i++) {
      server.store(ALICE_BOB, "alice", "m" + i);
    }
    server.store("g:team", "carol", "hello team");

    connected(builder().startFromNow(false).pullPageSize(2).syncPageSize(1));

    assertThat(recorder.seen())
        .containsExactly(
            ALICE_BOB + "#1",
            ALICE_BOB + "#2",
            ALICE_BOB + "#3",
            ALICE_BOB + "#4",
            ALICE_BOB + "#5",
            "g:team#1");
    assertThat(recorder.connects).hasSize(1);
  }

  @Test
  void afterAReconnectableCloseTheClientReconnectsAndDeliversWhatItMissed() throws Exception {
    connected(builder());
    server.deliver(ALICE_BOB, "alice", "before");
    await().atMost(WAIT).until(() -> recorder.messages.size() == 1);

    // Stored but never pushed, as if dropped from the slow consumer's outbound queue.
    server.store(ALICE_BOB, "alice", "dropped 1");
    server.store("g:team", "carol", "dropped 2");

    server.lastLink().closeFromServer(4000, "slow consumer");

    await().atMost(WAIT).until(() -> recorder.messages.size() == 3);
    assertThat(recorder.seen()).containsExactly(ALICE_BOB + "#1", ALICE_BOB + "#2", "g:team#1");
    await().atMost(WAIT).until(() -> client.state() == WarblerClient.State.CONNECTED);
    assertThat(tokenCalls).hasValueGreaterThanOrEqualTo(2);
    assertThat(recorder.connects).hasSizeGreaterThanOrEqualTo(2);
    assertThat(recorder.disconnects).containsExactly(4000);
  }

  @Test
  void messagesPushedAgainAfterAReconnectAreNotDeliveredTwice() throws Exception {
    connected(builder());
    Message one = server.deliver(ALICE_BOB, "alice", "one");
    await().atMost(WAIT).until(() -> recorder.messages.size() == 1);
    server.lastLink().drop();
    Message two = server.store(ALICE_BOB, "alice", "two");
    await().atMost(WAIT).until(() -> recorder.messages.size() == 2);

    server.push(one);
    server.push(two);
    server.deliver(ALICE_BOB, "alice", "three");

    await().atMost(WAIT).until(() -> recorder.messages.size() >= 3);
    assertThat(recorder.seen())
        .containsExactly(ALICE_BOB + "#1", ALICE_BOB + "#2", ALICE_BOB + "#3");
  }

  @Test
  void aCloseThatForbidsReconnectingStopsTheClient() throws Exception {
    connected(builder());

    server.lastLink().closeFromServer(4103, "user removed");

    await().atMost(WAIT).until(() -> client.state() == WarblerClient.State.STOPPED);
    assertThat(recorder.disconnects).containsExactly(4103);
    assertThat(server.opens).hasValue(1);
  }

  @Test
  void aRejectedTokenFailsTheFirstConnectWithTheServersError() {
    server.authError = java.util.Optional.of(ErrorCode.TOKEN_INVALID);
    client = builder().build();

    assertThatThrownBy(() -> client.connect().get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            WarblerClientException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_INVALID.code());
              assertThat(e.name()).isEqualTo("TOKEN_INVALID");
            });
    assertThat(client.state()).isEqualTo(WarblerClient.State.STOPPED);
  }

  @Test
  void aTokenRejectedOnReconnectStopsTheClient() throws Exception {
    connected(builder());
    server.authError = java.util.Optional.of(ErrorCode.TOKEN_INVALID);

    server.lastLink().closeFromServer(1001, "going away");

    await().atMost(WAIT).until(() -> client.state() == WarblerClient.State.STOPPED);
    assertThat(recorder.disconnects).containsExactly(1001, 4100);
  }

  @Test
  void anExpiredTokenIsReplacedFromTheSupplierOnReconnect() throws Exception {
    connected(builder());

    server.lastLink().closeFromServer(4102, "token expired");

    await()
        .atMost(WAIT)
        .until(() -> server.opens.get() == 2 && client.state() == WarblerClient.State.CONNECTED);
    assertThat(server.received(ClientFrame.BodyCase.AUTH))
        .extracting(f -> f.getAuth().getToken())
        .containsExactly("token-1", "token-2");
  }

  @Test
  void anExpiredTokenTheSupplierCannotReplaceStopsTheClient() throws Exception {
    connected(builder().token("the-only-token"));

    server.lastLink().closeFromServer(4102, "token expired");

    await().atMost(WAIT).until(() -> client.state() == WarblerClient.State.STOPPED);
    assertThat(server.opens).hasValue(1);
    assertThat(recorder.disconnects).endsWith(4102);
  }

  @Test
  void aRevokedTokenIsReplacedFromTheSupplierOnReconnect() throws Exception {
    connected(builder());

    server.lastLink().closeFromServer(4106, "tokens revoked");

    await()
        .atMost(WAIT)
        .until(() -> server.opens.get() == 2 && client.state() == WarblerClient.State.CONNECTED);
    assertThat(server.received(ClientFrame.BodyCase.AUTH))
        .extracting(f -> f.getAuth().getToken())
        .containsExactly("token-1", "token-2");
  }

  @Test
  void aRevokedTokenTheSupplierCannotReplaceStopsTheClient() throws Exception {
    connected(builder().token("the-only-token"));

    server.lastLink().closeFromServer(4106, "token revoked");

    await().atMost(WAIT).until(() -> client.state() == WarblerClient.State.STOPPED);
    assertThat(server.opens).hasValue(1);
    assertThat(recorder.disconnects).endsWith(4106);
  }

  @Test
  void aSendInterruptedBeforeItsAckIsResentWithTheSameClientMsgId() throws Exception {
    connected(builder());
    AtomicInteger sends = new AtomicInteger();
    server.onSend =
        s ->
            sends.incrementAndGet() == 1
                ? FakeServer.SendOutcome.STORE_AND_DROP
                : FakeServer.SendOutcome.ACK;

    SendAck ack = client.sendText("alice", "hello").get(5, TimeUnit.SECONDS);

    assertThat(ack.getDuplicate()).isTrue();
    assertThat(ack.getSeq()).isEqualTo(1);
    assertThat(server.stored(ALICE_BOB)).isEqualTo(1);
    List<String> ids =
        server.received(ClientFrame.BodyCase.SEND).stream()
            .map(f -> f.getSend().getClientMsgId())
            .toList();
    assertThat(ids).hasSize(2).containsOnly(ack.getClientMsgId());
  }

  @Test
  void aSendMadeBeforeConnectingIsSentOnceConnected() throws Exception {
    client = builder().build();
    var pending = client.sendToGroup("team", "early bird");

    client.connect().get(5, TimeUnit.SECONDS);

    assertThat(pending.get(5, TimeUnit.SECONDS).getConversation()).isEqualTo("g:team");
  }

  @Test
  void aGivenClientMsgIdIsKept() throws Exception {
    connected(builder());

    SendAck ack =
        client
            .send(
                dev.warbler.protocol.v1.Send.newBuilder()
                    .setUser("alice")
                    .setText("hi")
                    .setClientMsgId("my-id")
                    .build())
            .get(5, TimeUnit.SECONDS);

    assertThat(ack.getClientMsgId()).isEqualTo("my-id");
    assertThat(server.received(ClientFrame.BodyCase.SEND).getFirst().getSend().getType())
        .isEqualTo(dev.warbler.protocol.v1.MessageType.TEXT);
  }

  @Test
  void aNonRetryableSendErrorFailsTheSendWithTheProtocolError() throws Exception {
    connected(builder());
    server.onSend = s -> FakeServer.SendOutcome.USER_NOT_FOUND;

    assertThatThrownBy(() -> client.sendText("nobody", "hi").get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            WarblerClientException.class,
            e -> {
              assertThat(e.code()).isEqualTo(4001);
              assertThat(e.retryable()).isFalse();
              assertThat(e.error().getMessage()).contains("nobody");
            });
    assertThat(server.received(ClientFrame.BodyCase.SEND)).hasSize(1);
  }

  @Test
  void atMostMaxInFlightSendsAreOnTheWireAndTheRestGoOutInOrderAsAcksComeBack() throws Exception {
    connected(builder().maxInFlightSends(4));
    server.onSend = s -> FakeServer.SendOutcome.HOLD;
    List<java.util.concurrent.CompletableFuture<SendAck>> acks = new java.util.ArrayList<>();

    for (int i = 0; i < 20; i++) {
      acks.add(
          client.send(
              dev.warbler.protocol.v1.Send.newBuilder()
                  .setClientMsgId("w" + i)
                  .setUser("alice")
                  .setText("m" + i)));
    }
    // A request answered after the sends were written: the server has read every send before it.
    client.sync(0, 1).get(5, TimeUnit.SECONDS);
    assertThat(server.received(ClientFrame.BodyCase.SEND)).hasSize(4);
    while (acks.stream().anyMatch(f -> !f.isDone())) {
      await()
          .atMost(WAIT)
          .until(() -> server.held() > 0 || acks.stream().allMatch(f -> f.isDone()));
      server.releaseHeld();
    }

    assertThat(server.mostHeld()).isEqualTo(4);
    assertThat(server.received(ClientFrame.BodyCase.SEND))
        .extracting(f -> f.getSend().getClientMsgId())
        .as("each sent once, in order")
        .containsExactlyElementsOf(
            java.util.stream.IntStream.range(0, 20).mapToObj(i -> "w" + i).toList());
    for (var ack : acks) {
      assertThat(ack.get(5, TimeUnit.SECONDS).getDuplicate()).isFalse();
    }
  }

  @Test
  void afterRateLimitedNoSendGoesOutBeforeTheRetryAfterAndTheRefusedOneKeepsItsId()
      throws Exception {
    connected(builder());
    server.retryAfterMs = 300;
    AtomicInteger sends = new AtomicInteger();
    server.onSend =
        s ->
            sends.incrementAndGet() == 1
                ? FakeServer.SendOutcome.RATE_LIMITED
                : FakeServer.SendOutcome.ACK;
    var refused = client.sendText("alice", "first");
    // Once the refusal is queued on the link, a request answered after it means the client has
    // read the refusal.
    await().atMost(WAIT).until(() -> server.refusals.size() == 1);
    client.sync(0, 1).get(5, TimeUnit.SECONDS);

    List<java.util.concurrent.CompletableFuture<SendAck>> acks = new java.util.ArrayList<>();
    acks.add(refused);
    for (int i = 0; i < 5; i++) {
      acks.add(client.sendText("alice", "during the retry-after " + i));
    }
    for (var ack : acks) {
      ack.get(5, TimeUnit.SECONDS);
    }

    long refusedAt = server.refusals.getFirst();
    assertThat(server.sendArrivals.subList(1, server.sendArrivals.size()))
        .as("sends written after the refusal")
        .hasSize(6)
        .allSatisfy(t ->
            assertThat(t - refusedAt)
                .as("nanoseconds after the refusal")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300) - 2_000_000));
    List<String> ids =
        server.received(ClientFrame.BodyCase.SEND).stream()
            .map(f -> f.getSend().getClientMsgId())
            .toList();
    assertThat(ids.get(1))
        .as("the refused send goes first, with its id: %s", ids)
        .isEqualTo(ids.get(0));
    assertThat(new java.util.HashSet<>(ids)).hasSize(6);
  }

  @Test
  void aRetryableSendErrorIsRetriedUntilAcked() throws Exception {
    connected(builder());
    AtomicInteger sends = new AtomicInteger();
    server.onSend =
        s ->
            sends.incrementAndGet() <= 2
                ? FakeServer.SendOutcome.RATE_LIMITED
                : FakeServer.SendOutcome.ACK;

    SendAck ack = client.sendText("alice", "hi").get(5, TimeUnit.SECONDS);

    assertThat(ack.getDuplicate()).isFalse();
    assertThat(sends).hasValue(3);
  }

  @Test
  void aSendNeverAckedFailsAfterTheSendTimeout() throws Exception {
    connected(builder().sendTimeout(Duration.ofMillis(300)).requestTimeout(Duration.ofMillis(100)));
    server.onSend = s -> FakeServer.SendOutcome.SWALLOW;

    assertThatThrownBy(() -> client.sendText("alice", "hi").get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(TimeoutException.class);
    assertThat(server.received(ClientFrame.BodyCase.SEND))
        .extracting(f -> f.getSend().getClientMsgId())
        .hasSizeGreaterThanOrEqualTo(2)
        .containsOnly(
            server.received(ClientFrame.BodyCase.SEND).getFirst().getSend().getClientMsgId());
  }

  @Test
  void heartbeatsArePingsSentWhileConnected() throws Exception {
    server.idleTimeoutSeconds = 1;
    connected(builder());

    await().atMost(WAIT).until(() -> server.received(ClientFrame.BodyCase.PING).size() >= 2);
  }

  @Test
  void requestsReturnTheServersAnswers() throws Exception {
    for (int i = 1; i <= 5; i++) {
      server.store(ALICE_BOB, "alice", "m" + i);
    }
    connected(builder());

    var history = client.history(ALICE_BOB, 0, 2).get(5, TimeUnit.SECONDS);
    var pulled = client.pull(ALICE_BOB, 3, 10).get(5, TimeUnit.SECONDS);
    var sync = client.sync(0, 10).get(5, TimeUnit.SECONDS);
    var read = client.markRead(ALICE_BOB, 4).get(5, TimeUnit.SECONDS);

    assertThat(history.getMessagesList()).extracting(Message::getSeq).containsExactly(4L, 5L);
    assertThat(history.getMore()).isTrue();
    assertThat(pulled.getMessagesList()).extracting(Message::getSeq).containsExactly(4L, 5L);
    assertThat(sync.getConversationsList()).hasSize(1);
    assertThat(read.getReadSeq()).isEqualTo(4);
  }

  @Test
  void requestsFailWhenNotConnected() {
    client = builder().build();

    assertThatThrownBy(() -> client.history(ALICE_BOB, 0, 10).get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(WarblerConnectionException.class);
  }

  @Test
  void closeFailsPendingSendsAndStopsReconnecting() throws Exception {
    connected(builder());
    server.onSend = s -> FakeServer.SendOutcome.SWALLOW;
    var pending = client.sendText("alice", "never acked");
    await().atMost(WAIT).until(() -> server.received(ClientFrame.BodyCase.SEND).size() == 1);

    client.close();

    assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(WarblerConnectionException.class);
    assertThat(client.state()).isEqualTo(WarblerClient.State.CLOSED);
    await().atMost(WAIT).until(() -> server.lastLink().isClosed());
    assertThat(server.opens).hasValue(1);
  }

  @Test
  void aListenerThatThrowsDoesNotStopDelivery() throws Exception {
    List<Long> seen = new CopyOnWriteArrayList<>();
    connected(
        builder()
            .listener(m -> {
              seen.add(m.getSeq());
              if (m.getSeq() == 1) {
                throw new IllegalStateException("listener bug");
              }
            }));

    server.deliver(ALICE_BOB, "alice", "one");
    server.deliver(ALICE_BOB, "alice", "two");

    await().atMost(WAIT).until(() -> seen.size() == 2);
    assertThat(seen).containsExactly(1L, 2L);
  }
}
