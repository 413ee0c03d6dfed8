package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.bench.SpawnedServer;
import dev.warbler.bench.Target;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import dev.warbler.testkit.RawSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe's attack on the real jar: {@code warbler.jar serve} as a child JVM with a 128 MiB heap,
 * four raw sockets (two before auth, two after) that send 125-byte WebSocket pings as fast as they
 * can and never read, reconnecting whenever the server closes them. Meanwhile the server must stay
 * ready ({@code /readyz} 200), another pair of clients must keep exchanging messages, every flooder
 * must get closed, and the JVM's old generation and Netty's direct memory (from {@code /metrics})
 * must stay within the bounds in docs/reliability.md 5.7. Run once with the default control-frame
 * budget and once without it (only the outbound bound and the read pause hold the flood back).
 */
class PingFloodIT {
  private static final Duration FLOOD = Duration.ofSeconds(8);
  private static final int FLOODERS = 4;
  private static final long MIB = 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Peaks of the server's memory while flooded, from /metrics. */
  record Peaks(long heapUsed, long oldGen, long nettyDirect, long jvmDirect, long queued) {}

  @Test
  void withTheDefaultControlFrameBudgetFloodersAreClosedAndMemoryStaysBounded(@TempDir Path tmp)
      throws Exception {
    Peaks peaks = flood(tmp, Map.of());
    assertThat(peaks.nettyDirect()).as("Netty direct memory").isLessThan(32 * MIB);
    assertThat(peaks.oldGen()).as("old generation").isLessThan(64 * MIB);
  }

  @Test
  void withoutAControlFrameBudgetTheOutboundBoundAloneKeepsMemoryBounded(@TempDir Path tmp)
      throws Exception {
    Peaks peaks =
        flood(
            tmp,
            Map.of(
                "WARBLER_LIMITS_RATE_CONTROL_PER_SECOND", "0",
                "WARBLER_GATEWAY_AUTH_TIMEOUT_SECONDS", "2",
                "WARBLER_GATEWAY_IDLE_TIMEOUT_SECONDS", "3"));
    assertThat(peaks.queued())
        .as("bytes queued over all connections: at most 1 MiB each")
        .isLessThanOrEqualTo((FLOODERS + 2) * MIB);
    assertThat(peaks.nettyDirect()).as("Netty direct memory").isLessThan(32 * MIB);
    assertThat(peaks.oldGen()).as("old generation").isLessThan(64 * MIB);
  }

  private Peaks flood(Path tmp, Map<String, String> env) throws Exception {
    byte[] secret = new byte[16];
    ThreadLocalRandom.current().nextBytes(secret);
    String adminKey = HexFormat.of().formatHex(secret);
    try (SpawnedServer server =
        SpawnedServer.start(
            new SpawnedServer.Launch(
                tmp.resolve("data"),
                adminKey,
                List.of("-Xms128m", "-Xmx128m"),
                env,
                "",
                true,
                tmp.resolve("server.log"),
                Duration.ofSeconds(120)))) {
      Target target = server.target();
      HttpClient http = HttpClient.newHttpClient();
      Rest rest = new Rest(http, target.http(), adminKey);
      List<String> tokens = new ArrayList<>();
      for (String user : List.of("alice", "bob", "f1", "f2", "f3", "f4")) {
        rest.post("/v1/apps/default/users", Map.of("id", user));
        tokens.add(
            rest.post("/v1/apps/default/users/" + user + "/tokens", Map.of())
                .get("token")
                .asText());
      }
      RawClient alice = RawClient.connect(target.ws(), Encoding.JSON);
      RawClient bob = RawClient.connect(target.ws(), Encoding.JSON);
      assertThat(alice.request(auth(tokens.get(0))).hasAuthOk()).isTrue();
      assertThat(bob.request(auth(tokens.get(1))).hasAuthOk()).isTrue();

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger closes = new AtomicInteger();
      AtomicLong pings = new AtomicLong();
      List<Thread> flooders = new ArrayList<>();
      for (int i = 0; i < FLOODERS; i++) {
        String token = i % 2 == 0 ? "" : tokens.get(2 + i);
        flooders.add(
            Thread.ofPlatform()
                .name("flooder-" + i)
                .start(() -> floodUntilStopped(target.ws(), token, stop, closes, pings)));
      }

      long deadline = System.nanoTime() + FLOOD.toNanos();
      long heap = 0;
      long old = 0;
      long netty = 0;
      long jvmDirect = 0;
      long queued = 0;
      int roundTrips = 0;
      while (System.nanoTime() < deadline) {
        assertThat(rest.status("/readyz")).as("ready while flooded").isEqualTo(200);
        String metrics = rest.text("/metrics");
        heap = Math.max(heap, sum(metrics, "jvm_memory_used_bytes\\{area=\"heap\",[^}]*\\}"));
        old =
            Math.max(
                old,
                sum(metrics, "jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]*Old[^\"]*\"\\}"));
        netty = Math.max(netty, sum(metrics, "warbler_gateway_direct_memory_bytes"));
        jvmDirect =
            Math.max(jvmDirect, sum(metrics, "jvm_buffer_memory_used_bytes\\{id=\"direct\"\\}"));
        queued = Math.max(queued, sum(metrics, "warbler_gateway_outbound_queued_bytes"));

        // Bob only receives: a heartbeat keeps it from idling out where the idle timeout is short.
        assertThat(
                bob.request(
                        ClientFrame.newBuilder()
                            .setId("p" + roundTrips)
                            .setPing(dev.warbler.protocol.v1.Ping.newBuilder())
                            .build(),
                        Duration.ofSeconds(10))
                    .hasPong())
            .isTrue();
        String text = "during the flood " + ++roundTrips;
        ServerFrame ack =
            alice.request(
                ClientFrame.newBuilder()
                    .setId("s" + roundTrips)
                    .setSend(
                        Send.newBuilder()
                            .setClientMsgId("m" + roundTrips)
                            .setUser("bob")
                            .setText(text))
                    .build(),
                Duration.ofSeconds(10));
        assertThat(ack.hasSendAck()).as("ack %s", ack).isTrue();
        ServerFrame pushed = bob.await(ServerFrame::hasMessage, Duration.ofSeconds(10));
        assertThat(pushed.getMessage().getText()).isEqualTo(text);
      }
      stop.set(true);
      for (Thread t : flooders) {
        t.join(30_000);
      }
      String metrics = rest.text("/metrics");
      Peaks peaks = new Peaks(heap, old, netty, jvmDirect, queued);
      System.out.printf(
          "figures: env=%s flooders=%d seconds=%d pings_sent=%d flooder_closes=%d round_trips=%d"
              + " heap_used_peak=%d old_gen_peak=%d netty_direct_peak=%d jvm_direct_peak=%d"
              + " queued_peak=%d control_floods=%d slow_consumers=%d%n",
          env,
          FLOODERS,
          FLOOD.toSeconds(),
          pings.get(),
          closes.get(),
          roundTrips,
          heap,
          old,
          netty,
          jvmDirect,
          queued,
          sum(metrics, "warbler_gateway_control_floods_total"),
          sum(metrics, "warbler_gateway_slow_consumers_total"));

      assertThat(closes.get())
          .as("every flooder was closed at least once")
          .isGreaterThanOrEqualTo(FLOODERS);
      assertThat(roundTrips).isPositive();
      alice.close();
      bob.close();
      server.close();
      assertThat(server.exitCode())
          .as("the server stopped on SIGTERM (143), not SIGKILL (137)")
          .isIn(0, 143);
      return peaks;
    }
  }

  /**
   * One flooder: connects with a 4 KiB receive window, authenticates when given a token (without
   * reading the answer), then writes pings until the server closes the socket; again until stopped.
   */
  private static void floodUntilStopped(
      URI ws, String token, AtomicBoolean stop, AtomicInteger closes, AtomicLong pings) {
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    byte[] payload = new byte[125];
    ThreadLocalRandom.current().nextBytes(payload);
    for (int i = 0; i < 50; i++) {
      batch.writeBytes(RawSocket.ping(payload));
    }
    byte[] bytes = batch.toByteArray();
    while (!stop.get()) {
      try (RawSocket s = RawSocket.connect(null, "127.0.0.1", ws.getPort(), 4096)) {
        s.upgrade("127.0.0.1", "/ws", Encoding.JSON);
        if (!token.isEmpty()) {
          s.write(RawSocket.frame(Encoding.JSON, auth(token)));
        }
        while (!stop.get()) {
          s.write(bytes);
          pings.addAndGet(50);
        }
      } catch (UncheckedIOException | AssertionError e) {
        closes.incrementAndGet(); // the server closed it (or refused the upgrade meanwhile)
      }
    }
  }

  private static ClientFrame auth(String token) {
    return ClientFrame.newBuilder().setId("a").setAuth(Auth.newBuilder().setToken(token)).build();
  }

  /** The sum of the samples of the metric lines matching {@code series} (a regex). */
  private static long sum(String metrics, String series) {
    Matcher m =
        Pattern.compile("(?m)^" + series + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return (long) total;
  }

  /** Admin REST calls against the child server. */
  private record Rest(HttpClient http, URI base, String key) {
    com.fasterxml.jackson.databind.JsonNode post(String path, Object body) throws Exception {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve(path))
                  .header("Authorization", "Bearer " + key)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("%s: %s", path, r.body()).isBetween(200, 299);
      return JSON.readTree(r.body());
    }

    int status(String path) throws IOException, InterruptedException {
      return http.send(
              HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }

    String text(String path) throws IOException, InterruptedException {
      return http.send(
              HttpRequest.newBuilder(base.resolve(path))
                  .header("Authorization", "Bearer " + key)
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }
}
