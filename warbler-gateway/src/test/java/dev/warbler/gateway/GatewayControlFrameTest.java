package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.RateLimits;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import dev.warbler.testkit.RawSocket;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * WebSocket pings from clients that never read what the server sends back: every pong counts
 * against {@code gateway.max-outbound-bytes}, reading pauses while the queue is over half of it,
 * and a connection that pings faster than {@code limits.rate.control-per-second} is closed with
 * 1008, before auth and after.
 */
class GatewayControlFrameTest {
  private static final int BOUND = 16 * 1024;
  private static final int FLOOD_PINGS = 20_000_000;
  private static final byte[] PING_PAYLOAD = new byte[125]; // the largest a control frame carries

  private static GatewayConfig config() {
    return GatewayConfig.defaults()
        .withMaxOutboundBytes(BOUND)
        // A small fixed kernel buffer: loopback would otherwise absorb megabytes of pongs first.
        .withSocketSendBufferBytes(16 * 1024);
  }

  private static GatewayLimits limits(RateLimits.Rate control) {
    return new GatewayLimits(RateLimiter.unlimited(), 0, 0, control);
  }

  /** A raw socket with a 4 KiB receive window, upgraded to JSON; never read unless asked. */
  private static RawSocket flooder(TestGateway server) {
    RawSocket s = RawSocket.connect(null, "127.0.0.1", server.port, 4096);
    s.upgrade("127.0.0.1", "/ws", Encoding.JSON);
    return s;
  }

  private static void authenticate(TestGateway server, RawSocket s, String user) {
    s.write(RawSocket.frame(Encoding.JSON, TestGateway.auth("a", server.token(user))));
    RawSocket.Frame ok = s.readFrame(WAIT);
    assertThat(new String(ok.payload(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("authOk");
  }

  /**
   * Writes 125-byte pings, 50 to a write, until {@code count} are sent or the socket fails (the
   * server closed it); runs on its own thread because writes block once TCP pushes back.
   */
  private static Thread flood(RawSocket s, int count, AtomicLong sent) {
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    for (int i = 0; i < 50; i++) {
      batch.writeBytes(RawSocket.ping(PING_PAYLOAD));
    }
    byte[] bytes = batch.toByteArray();
    return Thread.ofVirtual()
        .start(() -> {
          try {
            while (sent.get() < count) {
              s.write(bytes);
              sent.addAndGet(50);
            }
          } catch (UncheckedIOException e) {
            // closed by the server
          }
        });
  }

  /** Samples the most outbound bytes queued for one connection until stopped; keeps the max. */
  private static Thread sampleQueued(TestGateway server, AtomicLong max, AtomicBoolean stop) {
    return Thread.ofPlatform()
        .daemon()
        .start(() -> {
          while (!stop.get()) {
            max.accumulateAndGet(server.gateway.maxQueuedBytesNow(), Math::max);
            LockSupport.parkNanos(100_000);
          }
        });
  }

  /** Alice sends Bob a message while the flood goes on; Bob receives it and Alice gets the ack. */
  private static void roundTrip(TestGateway server, String text) {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    RawClient b = server.login(bob);
    ServerFrame ack =
        a.request(
            ClientFrame.newBuilder()
                .setId("s")
                .setSend(Send.newBuilder().setClientMsgId("m1").setUser(bob).setText(text))
                .build());
    assertThat(ack.hasSendAck()).as("ack %s", ack).isTrue();
    ServerFrame pushed = b.await(ServerFrame::hasMessage, WAIT);
    assertThat(pushed.getMessage().getText()).isEqualTo(text);
    a.close();
    b.close();
  }

  private static void assertClosedOnceWith(RawSocket s, int code) {
    s.awaitClosed(Duration.ofSeconds(15));
    assertThat(s.closeFrames())
        .singleElement()
        .satisfies(f -> assertThat(f.closeCode()).isEqualTo(code));
  }

  @Test
  void aClientPingingFasterThanItsBudgetBeforeAuthIsClosedWith1008AndOthersKeepWorking() {
    try (TestGateway server =
            new TestGateway(config(), limits(GatewayLimits.DEFAULT_CONTROL_FRAMES));
        RawSocket s = flooder(server)) {
      AtomicLong sent = new AtomicLong();
      Thread flood = flood(s, 20_000, sent);

      roundTrip(server, "during an unauthenticated ping flood");
      assertClosedOnceWith(s, 1008);

      assertThat(server.counter("warbler.gateway.control.floods")).isEqualTo(1);
      assertThat(server.gateway.peakQueuedBytes()).isLessThanOrEqualTo(BOUND);
    }
  }

  @Test
  void anAuthenticatedClientPingingFasterThanItsBudgetIsClosedWith1008AndOthersKeepWorking() {
    try (TestGateway server =
            new TestGateway(config(), limits(GatewayLimits.DEFAULT_CONTROL_FRAMES));
        RawSocket s = flooder(server)) {
      authenticate(server, s, server.newUser());
      AtomicLong sent = new AtomicLong();
      Thread flood = flood(s, 20_000, sent);

      roundTrip(server, "during an authenticated ping flood");
      assertClosedOnceWith(s, 1008);

      assertThat(server.counter("warbler.gateway.control.floods")).isEqualTo(1);
      assertThat(server.gateway.peakQueuedBytes()).isLessThanOrEqualTo(BOUND);
      await().atMost(WAIT).until(() -> !flood.isAlive());
    }
  }

  @Test
  void withoutAControlBudgetTheQueueOfAPingFlooderThatNeverReadsStaysWithinTheBound() {
    for (boolean authenticated : new boolean[] {false, true}) {
      try (TestGateway server =
              new TestGateway(
                  config()
                      .withIdleTimeout(Duration.ofSeconds(2))
                      .withAuthTimeout(Duration.ofSeconds(2)),
                  limits(RateLimits.Rate.UNLIMITED));
          RawSocket s = flooder(server)) {
        if (authenticated) {
          authenticate(server, s, server.newUser());
        }
        AtomicLong max = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread sampler = sampleQueued(server, max, stop);
        AtomicLong sent = new AtomicLong();
        // 2.6 GB of pings: more than the socket buffers both ways, and what the server may still
        // read after its close frame, can take. 200,000 pings (26 MB) were once all sent in a
        // full build, the bound on queued bytes holding all the same.
        flood(s, FLOOD_PINGS, sent);

        // Reading pauses once half the bound is queued; the flooder then idles out (or runs out
        // of time to authenticate) and is dropped, after its close frame's timeout at the latest.
        roundTrip(server, "during a ping flood, authenticated: " + authenticated);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.gateway.connections() == 0);
        stop.set(true);
        sampler.join();

        assertThat(Math.max(max.get(), server.gateway.peakQueuedBytes()))
            .as("most bytes queued for the flooder (authenticated: %s)", authenticated)
            .isPositive()
            .isLessThanOrEqualTo(BOUND);
        assertThat(sent.get()).as("TCP pushed back on the flooder").isLessThan(FLOOD_PINGS);
        System.out.printf(
            "figures: authenticated=%s bound=%d peak_queued=%d pings_sent=%d%n",
            authenticated,
            BOUND,
            Math.max(max.get(), server.gateway.peakQueuedBytes()),
            sent.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void aClientPingingWithinItsBudgetGetsEveryPong() {
    try (TestGateway server =
            new TestGateway(config(), limits(GatewayLimits.DEFAULT_CONTROL_FRAMES));
        RawSocket s = flooder(server)) {
      authenticate(server, s, server.newUser());
      byte[] payload = "are you there".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 0; i < GatewayLimits.DEFAULT_CONTROL_FRAMES.burst(); i++) {
        s.write(RawSocket.ping(payload));
        RawSocket.Frame pong = s.readFrame(WAIT);
        assertThat(pong.opcode()).isEqualTo(RawSocket.PONG);
        assertThat(Arrays.equals(pong.payload(), payload)).isTrue();
      }
      assertThat(server.counter("warbler.gateway.control.floods")).isZero();
    }
  }
}
