package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.testkit.RawSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris against the REST API over raw sockets: a request that does not arrive in full within
 * {@code http.header-timeout-seconds} (line and headers) or {@code http.body-timeout-seconds}
 * (body) of its first byte is cut off, however steadily its bytes trickle in; a connection that has
 * finished its requests is left to the idle timeout; and hundreds of stalled sockets do not keep a
 * real caller out.
 */
class RestSlowlorisTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);
  private static final Duration MARGIN = Duration.ofSeconds(3);
  private static final Duration GAP = Duration.ofMillis(100);

  @TempDir static Path dir;
  private static TestServer server;
  private static final ExecutorService dribblers = Executors.newVirtualThreadPerTaskExecutor();

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            dir,
            Map.of(
                Setting.HTTP_HEADER_TIMEOUT_SECONDS, "1",
                Setting.HTTP_BODY_TIMEOUT_SECONDS, "1"));
  }

  @AfterAll
  static void stop() {
    dribblers.shutdownNow();
    server.close();
  }

  private static RawSocket socket() {
    return RawSocket.connect("127.0.0.1", server.server.httpPort());
  }

  private static byte[] post(String body, int contentLength) {
    return ("POST /v1/apps/default/users HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n"
            + "Authorization: Bearer "
            + TestServer.ADMIN_KEY
            + "\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: "
            + contentLength
            + "\r\n\r\n"
            + body)
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static final byte[] HEALTH =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private static Duration limit() {
    return TIMEOUT.plus(MARGIN);
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() {
    try (RawSocket s = socket()) {
      assertThat(s.awaitClosed(limit())).isLessThan(limit());
    }
  }

  @Test
  void aRequestSentOneByteAtATimeIsCutOffAtTheHeaderTimeout() {
    try (RawSocket s = socket()) {
      // ~150 bytes at 10 per second: 15 s, each byte far inside the 30 s idle timeout.
      dribblers.execute(() -> s.dribble(post("{}", 2), GAP));

      assertThat(s.awaitClosed(limit())).isLessThan(limit());
    }
  }

  @Test
  void headersThatNeverEndAreCutOffAtTheHeaderTimeout() {
    try (RawSocket s = socket()) {
      byte[] head = post("", 2);
      s.write(Arrays.copyOf(head, head.length - 2));

      assertThat(s.awaitClosed(limit())).isLessThan(limit());
    }
  }

  @Test
  void aBodyThatStopsHalfWayIsCutOffAtTheBodyTimeout() {
    try (RawSocket s = socket()) {
      s.write(post("{\"id\":", 20));

      assertThat(s.awaitClosed(limit())).isLessThan(limit());
    }
  }

  @Test
  void aBodySentOneByteAtATimeIsCutOffAtTheBodyTimeout() {
    try (RawSocket s = socket()) {
      String body = "{\"id\":\"dribbled-body-user-with-a-long-name\"}";
      byte[] head = post("", body.length());
      s.write(head);
      dribblers.execute(() -> s.dribble(body.getBytes(StandardCharsets.US_ASCII), GAP));

      assertThat(s.awaitClosed(limit())).isLessThan(limit());
    }
  }

  @Test
  void aKeepAliveConnectionBetweenRequestsIsLeftToTheIdleTimeout() {
    try (RawSocket s = socket()) {
      s.write(HEALTH);
      assertThat(s.readHttpHead(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");

      assertThat(s.isOpen(TIMEOUT.plus(TIMEOUT).plus(TIMEOUT))).isTrue();
      s.write(HEALTH);
      assertThat(s.readHttpHead(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout(@TempDir Path other) {
    try (TestServer idle = TestServer.start(other, Map.of(Setting.HTTP_IDLE_TIMEOUT_SECONDS, "1"));
        RawSocket s = RawSocket.connect("127.0.0.1", idle.server.httpPort())) {
      s.write(HEALTH);
      assertThat(s.readHttpHead(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");

      assertThat(s.awaitClosed(limit())).isLessThan(limit().plus(Duration.ofSeconds(1)));
    }
  }

  @Test
  void hundredsOfStalledSocketsDoNotKeepACallerOut() throws Exception {
    List<RawSocket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 500; i++) {
        RawSocket s =
            RawSocket.connect(
                InetAddress.getByName("127.0.0." + (2 + i % 10)),
                "127.0.0.1",
                server.server.httpPort(),
                0);
        stalled.add(s);
        byte[] head = post("{\"id\":", 20);
        switch (i % 3) {
          case 0 -> {} // sends nothing
          case 1 -> s.write(Arrays.copyOf(head, 40)); // half a request line and headers
          default -> s.write(head); // half a body
        }
      }

      server.createUser("default", "patient-caller");
      assertThat(server.token("default", "patient-caller")).isNotEmpty();

      for (RawSocket s : stalled) {
        s.awaitClosed(limit().plus(MARGIN));
      }
    } finally {
      stalled.forEach(RawSocket::close);
    }
  }
}
