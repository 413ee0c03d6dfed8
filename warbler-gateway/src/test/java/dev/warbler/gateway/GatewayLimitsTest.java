package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.APP;
import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.Principal;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.RateLimits;
import dev.warbler.core.access.RateLimits.Rate;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import dev.warbler.testkit.RawSocket;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GatewayLimitsTest {

  private static GatewayLimits rates(Rate user, int refusalsBeforePause) {
    return new GatewayLimits(
        new RateLimiter(
            new RateLimits(
                user,
                Rate.UNLIMITED,
                Rate.UNLIMITED,
                Rate.UNLIMITED,
                refusalsBeforePause,
                RateLimits.DEFAULT_MAX_PAUSE_MILLIS)),
        0,
        0);
  }

  private static ClientFrame send(String id, String to) {
    return ClientFrame.newBuilder()
        .setId(id)
        .setSend(Send.newBuilder().setClientMsgId(id).setUser(to).setText("text " + id))
        .build();
  }

  /** Reads answers until every id in {@code ids} is answered; pushes are skipped. */
  private static List<ServerFrame> answers(RawClient client, Set<String> ids) {
    List<ServerFrame> answers = new ArrayList<>();
    Set<String> open = new HashSet<>(ids);
    while (!open.isEmpty()) {
      ServerFrame f = client.next(WAIT);
      if (open.remove(f.getId())) {
        answers.add(f);
      }
    }
    return answers;
  }

  private static List<String> stored(TestGateway server, String a, String b) {
    return server
        .messenger
        .pull(new Principal(APP, a), ConversationId.direct(a, b), 0, 500)
        .messages()
        .stream()
        .map(ChatMessage::clientMsgId)
        .toList();
  }

  @Test
  void sendsOverTheUsersRateAreRefusedWithRetryAfterStoreNothingAndCanBeResent() {
    try (TestGateway server = new TestGateway(GatewayConfig.defaults(), rates(new Rate(1, 3), 0))) {
      String alice = server.newUser();
      String bob = server.newUser();
      RawClient client = server.login(alice);
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        client.send(send("m" + i, bob));
        ids.add("m" + i);
      }

      List<ServerFrame> answers = answers(client, ids);

      List<String> acked =
          answers.stream().filter(ServerFrame::hasSendAck).map(ServerFrame::getId).toList();
      List<ServerFrame> refused = answers.stream().filter(ServerFrame::hasError).toList();
      assertThat(acked).hasSizeBetween(3, 4); // the burst, and a refill on a very slow run
      assertThat(refused).hasSize(10 - acked.size());
      for (ServerFrame f : refused) {
        assertThat(f.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED.code());
        assertThat(f.getError().getRetryable()).isTrue();
        assertThat(f.getError().getRetryAfterMs()).isBetween(1L, 1_000L);
        assertThat(f.getError().getMessage()).contains("1/s", "retry after");
      }
      assertThat(stored(server, alice, bob)).containsExactlyInAnyOrderElementsOf(acked);
      assertThat(server.gateway.limits().rates().refused(RateLimiter.Scope.USER))
          .isEqualTo(refused.size());

      // A refused send is resent with the same client_msg_id once its retry-after passed.
      String again = refused.get(0).getId();
      await().atMost(WAIT).until(() -> client.request(send(again, bob)).hasSendAck());
      assertThat(stored(server, alice, bob)).hasSize(acked.size() + 1).contains(again);
    }
  }

  @Test
  void aFloodingUserIsRefusedWhileOthersAreServedAndOnlyItsBudgetIsStored() {
    try (TestGateway server = new TestGateway(GatewayConfig.defaults(), rates(new Rate(5, 5), 8))) {
      String flooder = server.newUser();
      String target = server.newUser();
      RawClient flood = server.login(flooder, Encoding.PROTO);
      List<String> others = List.of(server.newUser(), server.newUser(), server.newUser());
      List<RawClient> otherClients = others.stream().map(u -> server.login(u)).toList();
      long start = System.nanoTime();
      Set<String> floodIds = new HashSet<>();
      for (int i = 0; i < 100; i++) {
        flood.send(send("f" + i, target));
        floodIds.add("f" + i);
      }
      // Meanwhile each other user sends its whole burst to the next one.
      for (int i = 0; i < others.size(); i++) {
        for (int k = 0; k < 5; k++) {
          otherClients.get(i).send(send("o" + i + "-" + k, others.get((i + 1) % others.size())));
        }
      }

      for (int i = 0; i < others.size(); i++) {
        Set<String> ids = new HashSet<>();
        for (int k = 0; k < 5; k++) {
          ids.add("o" + i + "-" + k);
        }
        assertThat(answers(otherClients.get(i), ids)).allMatch(ServerFrame::hasSendAck);
        String to = others.get((i + 1) % others.size());
        assertThat(stored(server, others.get(i), to)).containsExactlyInAnyOrderElementsOf(ids);
      }
      // Wait for an answered ping behind the flood (pings are free; one read during a pause is
      // refused like the rest, so try again), then for the acks still under way.
      for (int k = 0; ; k++) {
        String marker = "end" + k;
        flood.send(
            ClientFrame.newBuilder()
                .setId(marker)
                .setPing(dev.warbler.protocol.v1.Ping.newBuilder())
                .build());
        try {
          flood.await(f -> f.getId().equals(marker), java.time.Duration.ofMillis(500));
          break;
        } catch (AssertionError notYet) {
          assertThat(k).as("pings unanswered").isLessThan(20);
        }
      }
      List<ServerFrame> floodAnswers = new ArrayList<>();
      await()
          .atMost(WAIT)
          .until(() -> {
            floodAnswers.addAll(flood.drain());
            return floodAnswers.stream().filter(ServerFrame::hasSendAck).count()
                == stored(server, flooder, target).size();
          });
      double seconds = (System.nanoTime() - start) / 1e9;
      List<String> acked =
          floodAnswers.stream()
              .filter(ServerFrame::hasSendAck)
              .map(ServerFrame::getId)
              .filter(floodIds::contains)
              .toList();
      List<ServerFrame> refused =
          floodAnswers.stream().filter(f -> f.hasError() && floodIds.contains(f.getId())).toList();
      assertThat(refused)
          .isNotEmpty()
          .allSatisfy(f -> {
            assertThat(f.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED.code());
            assertThat(f.getError().getRetryAfterMs()).isPositive();
          });
      assertThat(refused.size()).isGreaterThanOrEqualTo(8);
      assertThat(acked.size() + refused.size()).as("every flood frame answered").isEqualTo(100);
      // Never more than the burst plus what refilled while the flood was answered.
      assertThat((double) acked.size()).isLessThanOrEqualTo(5 + 5 * seconds + 1);
      assertThat(stored(server, flooder, target)).containsExactlyInAnyOrderElementsOf(acked);
    }
  }

  @Test
  void requestsPipelinedInOneWritePastTheLimitAreEachAnsweredExactlyOnce() {
    try (TestGateway server = new TestGateway(GatewayConfig.defaults(), rates(new Rate(5, 5), 8));
        RawSocket raw = RawSocket.connect("127.0.0.1", server.port)) {
      String alice = server.newUser();
      String bob = server.newUser();
      raw.upgrade("127.0.0.1", "/ws", Encoding.JSON);
      raw.write(RawSocket.frame(Encoding.JSON, TestGateway.auth("auth", server.token(alice))));
      assertThat(next(raw).hasAuthOk()).isTrue();
      int count = 200;
      ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
      for (int i = 0; i < count; i++) {
        pipeline.writeBytes(RawSocket.frame(Encoding.JSON, send("p" + i, bob)));
      }

      raw.write(pipeline.toByteArray()); // one TCP write: one read batch on the server

      Map<String, List<ServerFrame>> answers = new HashMap<>();
      while (answers.size() < count) {
        ServerFrame f = next(raw);
        if (!f.getId().isEmpty()) {
          answers.computeIfAbsent(f.getId(), k -> new ArrayList<>()).add(f);
        }
      }
      // Anything still to come would arrive before the answer to a request sent after the acks.
      await().atMost(WAIT).until(() -> stored(server, alice, bob).size() == acks(answers));
      raw.write(
          RawSocket.frame(
              Encoding.JSON,
              ClientFrame.newBuilder()
                  .setId("last")
                  .setPing(dev.warbler.protocol.v1.Ping.newBuilder())
                  .build()));
      for (ServerFrame f = next(raw); !f.getId().equals("last"); f = next(raw)) {
        if (!f.getId().isEmpty()) {
          answers.computeIfAbsent(f.getId(), k -> new ArrayList<>()).add(f);
        }
      }

      assertThat(answers).hasSize(count);
      assertThat(answers.values()).allSatisfy(a -> assertThat(a).as("answers").hasSize(1));
      List<ServerFrame> refused =
          answers.values().stream().map(a -> a.get(0)).filter(ServerFrame::hasError).toList();
      assertThat(refused)
          .hasSizeGreaterThan(count / 2)
          .allSatisfy(f -> {
            assertThat(f.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED.code());
            assertThat(f.getError().getRetryable()).isTrue();
            assertThat(f.getError().getRetryAfterMs()).isPositive();
          });
      assertThat(stored(server, alice, bob)).hasSize(count - refused.size());
    }
  }

  private static ServerFrame next(RawSocket raw) {
    return Encoding.JSON.codec().decodeServer(raw.readFrame(WAIT).payload());
  }

  private static long acks(Map<String, List<ServerFrame>> answers) {
    return answers.values().stream().flatMap(List::stream).filter(ServerFrame::hasSendAck).count();
  }

  @Test
  void connectionsOverThePerAddressLimitAreRefusedWith429UntilOneCloses() {
    try (TestGateway server =
        new TestGateway(
            GatewayConfig.defaults(), new GatewayLimits(RateLimiter.unlimited(), 2, 0))) {
      InetAddress local = InetAddress.getLoopbackAddress();
      RawClient first = server.connect(Encoding.JSON);
      server.login(server.newUser());
      await().atMost(WAIT).until(() -> server.gateway.ipSlots(local) == 2);

      assertThatThrownBy(() -> server.connect(Encoding.JSON))
          .isInstanceOfSatisfying(
              RawClient.HandshakeRefused.class, e -> assertThat(e.status()).isEqualTo(429));
      assertThat(server.counter("warbler.gateway.connections.refused")).isEqualTo(1);
      assertThat(server.gateway.ipSlots(local)).isEqualTo(2);

      first.close();
      await().atMost(WAIT).until(() -> server.gateway.ipSlots(local) == 1);
      RawClient again = server.login(server.newUser());
      assertThat(again.isClosed()).isFalse();
    }
  }

  @Test
  void aUserOverThePerUserLimitIsClosedWith4107AtAuthUntilOneOfItsConnectionsCloses() {
    try (TestGateway server =
        new TestGateway(
            GatewayConfig.defaults(), new GatewayLimits(RateLimiter.unlimited(), 0, 2))) {
      String alice = server.newUser();
      RawClient phone = server.login(alice);
      server.login(alice, Encoding.PROTO);

      RawClient third = server.connect(Encoding.JSON);
      ServerFrame answer = third.request(TestGateway.auth("a", server.token(alice)));

      assertThat(answer.getError().getCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
      assertThat(answer.getError().getMessage()).contains("max-connections-per-user");
      assertThat(third.awaitClose(WAIT)).isEqualTo(CloseCode.TOO_MANY_CONNECTIONS.code());
      assertThat(CloseCode.TOO_MANY_CONNECTIONS.reconnect()).isFalse();
      assertThat(server.counter("warbler.gateway.connections.refused")).isEqualTo(1);
      server.login(server.newUser()); // others are not affected
      assertThat(server.gateway.userSlots(APP + "/" + alice)).isEqualTo(2);

      phone.close();
      await().atMost(WAIT).until(() -> server.gateway.userSlots(APP + "/" + alice) == 1);
      server.login(alice);
      assertThat(server.gateway.userSlots(APP + "/" + alice)).isEqualTo(2);
    }
  }

  @Test
  void aRefusedAuthTakesNoUserSlot() {
    try (TestGateway server =
        new TestGateway(
            GatewayConfig.defaults(), new GatewayLimits(RateLimiter.unlimited(), 0, 1))) {
      String alice = server.newUser();
      RawClient wrong = server.connect(Encoding.JSON);
      wrong.request(TestGateway.auth("a", "not-a-token"));
      assertThat(wrong.awaitClose(WAIT)).isEqualTo(CloseCode.AUTH_FAILED.code());

      server.login(alice);
      assertThat(server.gateway.userSlots(APP + "/" + alice)).isEqualTo(1);
    }
  }
}
