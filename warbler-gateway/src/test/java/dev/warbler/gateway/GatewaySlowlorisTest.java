package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import dev.warbler.testkit.RawSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slowloris and its WebSocket cousins over raw sockets: every way of holding a connection without
 * finishing what it started is closed within its timeout (1 s here) plus a margin, and hundreds of
 * such sockets do not keep a well-behaved client from connecting and messaging meanwhile.
 */
class GatewaySlowlorisTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  /** Scheduling slack on a loaded 2-core machine; the timers themselves fire on time. */
  private static final Duration MARGIN = Duration.ofSeconds(3);

  private static final Duration DRIBBLE_GAP = Duration.ofMillis(100);

  /** Short handshake and auth deadlines; the idle timeout stays long so it cannot be the cause. */
  private static TestGateway server;

  /** A short idle timeout, for clients that authenticated and then stall. */
  private static TestGateway idle;

  private static final ExecutorService dribblers = Executors.newVirtualThreadPerTaskExecutor();

  @BeforeAll
  static void start() {
    server =
        new TestGateway(
            GatewayConfig.defaults().withHandshakeTimeout(TIMEOUT).withAuthTimeout(TIMEOUT));
    idle = new TestGateway(GatewayConfig.defaults().withIdleTimeout(TIMEOUT));
  }

  @AfterAll
  static void stop() {
    dribblers.shutdownNow();
    server.close();
    idle.close();
  }

  private RawSocket socket() {
    return RawSocket.connect("127.0.0.1", server.port);
  }

  private static byte[] upgrade() {
    return RawSocket.upgradeRequest("127.0.0.1", "/ws", Encoding.JSON);
  }

  @Test
  void anUpgradeRequestSentOneByteAtATimeIsCutOffAtTheHandshakeTimeout() {
    try (RawSocket s = socket()) {
      // ~230 bytes at 10 per second would take over 20 s; every byte arrives well within any
      // per-read idle timer, so only a deadline from the accept stops it.
      dribblers.execute(() -> s.dribble(upgrade(), DRIBBLE_GAP));

      assertThat(s.awaitClosed(TIMEOUT.plus(MARGIN))).isLessThan(TIMEOUT.plus(MARGIN));
    }
  }

  @Test
  void headersThatNeverEndAreCutOffAtTheHandshakeTimeout() {
    try (RawSocket s = socket()) {
      byte[] request = upgrade();
      s.write(Arrays.copyOf(request, request.length - 2)); // no blank line: headers never end

      assertThat(s.awaitClosed(TIMEOUT.plus(MARGIN))).isLessThan(TIMEOUT.plus(MARGIN));
    }
  }

  @Test
  void anUpgradedConnectionThatNeverAuthenticatesIsClosedWith4101() {
    try (RawSocket s = socket()) {
      s.upgrade("127.0.0.1", "/ws", Encoding.JSON);

      assertThat(s.awaitClosed(TIMEOUT.plus(MARGIN))).isLessThan(TIMEOUT.plus(MARGIN));
      assertThat(s.closeCode()).isEqualTo(4101);
    }
  }

  @Test
  void anAuthFrameCutInTheMiddleIsClosedWith4101() {
    try (RawSocket s = socket()) {
      s.upgrade("127.0.0.1", "/ws", Encoding.JSON);
      byte[] auth =
          RawSocket.frame(Encoding.JSON, TestGateway.auth("a", server.token(server.newUser())));
      s.write(Arrays.copyOf(auth, auth.length / 2));

      assertThat(s.awaitClosed(TIMEOUT.plus(MARGIN))).isLessThan(TIMEOUT.plus(MARGIN));
      assertThat(s.closeCode()).isEqualTo(4101);
    }
  }

  @Test
  void anAuthFrameSentOneByteAtATimeIsClosedWith4101() {
    try (RawSocket s = socket()) {
      s.upgrade("127.0.0.1", "/ws", Encoding.JSON);
      byte[] auth =
          RawSocket.frame(Encoding.JSON, TestGateway.auth("a", server.token(server.newUser())));
      dribblers.execute(() -> s.dribble(auth, DRIBBLE_GAP));

      assertThat(s.awaitClosed(TIMEOUT.plus(MARGIN))).isLessThan(TIMEOUT.plus(MARGIN));
      assertThat(s.closeCode()).isEqualTo(4101);
    }
  }

  @Test
  void anAuthenticatedClientThatStallsInsideAFrameIsClosedWith4001() {
    try (RawSocket s = authenticated()) {
      byte[] ping = RawSocket.frame(true, "{\"id\":\"p\",\"ping\":{}}".getBytes(UTF8));
      s.write(Arrays.copyOf(ping, ping.length - 3));

      assertThat(s.awaitClosed(TIMEOUT.plus(MARGIN)))
          .isLessThan(TIMEOUT.plus(MARGIN).plus(TIMEOUT));
      assertThat(s.closeCode()).isEqualTo(4001);
    }
  }

  @Test
  void anAuthenticatedClientDribblingOneFrameIsClosedWith4001() {
    try (RawSocket s = authenticated()) {
      // Bytes keep arriving, but no frame completes: only whole frames count as activity.
      byte[] text =
          ("{\"id\":\"p\",\"ping\":{},\"pad\":\"" + "x".repeat(300) + "\"}").getBytes(UTF8);
      dribblers.execute(() -> s.dribble(RawSocket.frame(true, text), DRIBBLE_GAP));

      assertThat(s.awaitClosed(TIMEOUT.plus(MARGIN)))
          .isLessThan(TIMEOUT.plus(MARGIN).plus(TIMEOUT));
      assertThat(s.closeCode()).isEqualTo(4001);
    }
  }

  @Test
  void hundredsOfStalledSocketsDoNotKeepAClientFromConnectingAndMessaging() throws Exception {
    try (TestGateway roomy =
        new TestGateway(
            GatewayConfig.defaults()
                .withHandshakeTimeout(Duration.ofSeconds(2))
                .withAuthTimeout(Duration.ofSeconds(2)))) {
      List<RawSocket> stalled = new ArrayList<>();
      try {
        for (int i = 0; i < 500; i++) {
          // Spread over loopback source addresses: per-address connection limits are not the
          // subject here.
          InetAddress from = InetAddress.getByName("127.0.0." + (2 + i % 10));
          RawSocket s = RawSocket.connect(from, "127.0.0.1", roomy.port, 0);
          stalled.add(s);
          byte[] request = RawSocket.upgradeRequest("127.0.0.1", "/ws", Encoding.JSON);
          switch (i % 3) {
            case 0 -> {} // connects and sends nothing
            case 1 -> s.write(Arrays.copyOf(request, request.length - 2));
            default -> s.upgrade("127.0.0.1", "/ws", Encoding.JSON); // never authenticates
          }
        }

        String alice = roomy.newUser();
        String bob = roomy.newUser();
        RawClient a = roomy.login(alice, Encoding.PROTO);
        RawClient b = roomy.login(bob, Encoding.PROTO);
        ServerFrame ack =
            a.request(
                ClientFrame.newBuilder()
                    .setId("s1")
                    .setSend(Send.newBuilder().setUser(bob).setClientMsgId("c1").setText("hi"))
                    .build());
        assertThat(ack.hasSendAck()).as("answer %s", ack).isTrue();
        assertThat(b.await(ServerFrame::hasMessage, TestGateway.WAIT).getMessage().getText())
            .isEqualTo("hi");

        for (RawSocket s : stalled) {
          s.awaitClosed(Duration.ofSeconds(2).plus(MARGIN).plus(MARGIN));
        }
        // The client sees the close a moment before the server's loop has counted it.
        org.awaitility.Awaitility.await()
            .atMost(TestGateway.WAIT)
            .untilAsserted(() -> assertThat(roomy.gateway.connections()).isEqualTo(2));
      } finally {
        stalled.forEach(RawSocket::close);
      }
    }
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /** A raw socket that upgraded and authenticated (JSON), then stops sending. */
  private static RawSocket authenticated() {
    RawSocket s = RawSocket.connect("127.0.0.1", idle.port);
    s.upgrade("127.0.0.1", "/ws", Encoding.JSON);
    s.write(RawSocket.frame(Encoding.JSON, TestGateway.auth("a", idle.token(idle.newUser()))));
    return s;
  }
}
