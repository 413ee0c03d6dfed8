package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.ReadReceipt;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.TypingEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Delivery acks, receipt, typing and presence events, and presence renewal, on a fake server. */
class WarblerClientReceiptsTest {
  private static final String ALICE_BOB = FakeServer.direct("alice", "bob");
  private static final String BOB_CAROL = FakeServer.direct("bob", "carol");
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FakeServer server = new FakeServer();
  private final Events events = new Events();
  private WarblerClient client;

  static final class Events implements MessageListener {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<Object> events = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onReadReceipt(ReadReceipt receipt) {
      events.add(receipt);
    }

    @Override
    public void onDeliveryReceipt(DeliveryReceipt receipt) {
      events.add(receipt);
    }

    @Override
    public void onTyping(TypingEvent typing) {
      events.add(typing);
    }

    @Override
    public void onPresence(PresenceEvent presence) {
      events.add(presence);
    }
  }

  private WarblerClient connect(WarblerClient.Builder b) throws Exception {
    client = b.build();
    client.connect().get(5, TimeUnit.SECONDS);
    return client;
  }

  private WarblerClient.Builder builder() {
    return WarblerClient.builder()
        .webSocket(URI.create("ws://fake/ws"))
        .token("t")
        .listener(events)
        .backoff(new Backoff(Duration.ofMillis(1), Duration.ofMillis(20)))
        .requestTimeout(Duration.ofSeconds(2))
        .deliveryAckDelay(Duration.ofMillis(20))
        .transport(server);
  }

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  private List<ClientFrame> acks() {
    return server.received(ClientFrame.BodyCase.DELIVERED);
  }

  @Test
  void messagesFromOthersAreAckedPerConversationWithoutARequestIdButOwnOnesAreNot()
      throws Exception {
    connect(builder());

    server.deliver(BOB_CAROL, FakeServer.USER, "my own");
    for (int i = 0; i < 3; i++) {
      server.deliver(ALICE_BOB, "alice", "m" + i);
    }

    await().atMost(WAIT).until(() -> acks().stream().anyMatch(f -> f.getDelivered().getSeq() == 3));
    assertThat(acks())
        .allSatisfy(f -> {
          assertThat(f.getId()).isEmpty();
          assertThat(f.getDelivered().getConversation()).isEqualTo(ALICE_BOB);
        });
    assertThat(acks()).extracting(f -> f.getDelivered().getSeq()).isSorted();
  }

  @Test
  void withDeliveryAcksOffNothingIsAcked() throws Exception {
    connect(builder().deliveryAcks(false));

    server.deliver(ALICE_BOB, "alice", "hi");
    await().atMost(WAIT).until(() -> events.messages.size() == 1);

    await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> acks().isEmpty());
  }

  @Test
  void pushedReceiptsTypingAndPresenceReachTheListenerInOrder() throws Exception {
    connect(builder());
    ReadReceipt read =
        ReadReceipt.newBuilder().setConversation(ALICE_BOB).setUser("alice").setReadSeq(4).build();
    DeliveryReceipt delivered =
        DeliveryReceipt.newBuilder()
            .setConversation(ALICE_BOB)
            .setUser("alice")
            .setDeliveredSeq(5)
            .build();
    TypingEvent typing =
        TypingEvent.newBuilder()
            .setConversation(ALICE_BOB)
            .setUser("alice")
            .setActive(true)
            .build();
    PresenceEvent presence =
        PresenceEvent.newBuilder().setUser("alice").setOnline(true).setLastSeen(9).build();

    FakeServer.FakeLink link = server.lastLink();
    link.push(ServerFrame.newBuilder().setReadReceipt(read).build());
    link.push(ServerFrame.newBuilder().setDeliveryReceipt(delivered).build());
    link.push(ServerFrame.newBuilder().setTypingEvent(typing).build());
    link.push(ServerFrame.newBuilder().setPresenceEvent(presence).build());

    await().atMost(WAIT).until(() -> events.events.size() == 4);
    assertThat(events.events).containsExactly(read, delivered, typing, presence);
  }

  @Test
  void thePresenceSubscriptionIsRenewedAfterAReconnectAndItsStatesReported() throws Exception {
    connect(builder());
    List<PresenceEntry> now =
        client.subscribePresence(List.of("alice", "carol")).get(5, TimeUnit.SECONDS);
    assertThat(now).extracting(PresenceEntry::getUser).containsExactly("alice", "carol");

    server.lastLink().closeFromServer(1001, "restart");

    await()
        .atMost(WAIT)
        .until(() -> server.received(ClientFrame.BodyCase.SUBSCRIBE_PRESENCE).size() == 2);
    await().atMost(WAIT).until(() -> events.events.size() == 2);
    assertThat(events.events)
        .extracting(e -> ((PresenceEvent) e).getUser())
        .containsExactly("alice", "carol");
    assertThat(
            server
                .received(ClientFrame.BodyCase.SUBSCRIBE_PRESENCE)
                .get(1)
                .getSubscribePresence()
                .getUsersList())
        .containsExactly("alice", "carol");
  }

  @Test
  void typingAndReceiptsAreRequestsAnsweredByTheServer() throws Exception {
    connect(builder());

    client.typing(ALICE_BOB, true).get(5, TimeUnit.SECONDS);
    assertThat(client.receipts(ALICE_BOB).get(5, TimeUnit.SECONDS)).isEmpty();

    ClientFrame sent = server.received(ClientFrame.BodyCase.TYPING).getFirst();
    assertThat(sent.getId()).isNotEmpty();
    assertThat(sent.getTyping().getActive()).isTrue();
    assertThat(
            server
                .received(ClientFrame.BodyCase.GET_RECEIPTS)
                .getFirst()
                .getGetReceipts()
                .getConversation())
        .isEqualTo(ALICE_BOB);
  }
}
