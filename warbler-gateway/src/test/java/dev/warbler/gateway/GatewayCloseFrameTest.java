package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.warbler.protocol.Encoding;
import dev.warbler.testkit.RawSocket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Closes the server starts because the peer broke the WebSocket rules, read frame by frame from a
 * raw socket: each sends exactly one close frame with the RFC 6455 code, and none of them is a
 * server error in the log.
 */
class GatewayCloseFrameTest {
  private static final int MAX_FRAME = 4096;
  private static final Duration CLOSE = Duration.ofSeconds(10);

  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger gatewayLog = (Logger) LoggerFactory.getLogger("dev.warbler.gateway");

  @BeforeEach
  void captureLog() {
    logged.start();
    gatewayLog.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    gatewayLog.detachAppender(logged);
  }

  private static RawSocket upgraded(TestGateway server) {
    RawSocket s = RawSocket.connect("127.0.0.1", server.port);
    s.upgrade("127.0.0.1", "/ws", Encoding.JSON);
    return s;
  }

  /** The raw DEFLATE stream of {@code data} as permessage-deflate sends it (RFC 7692, 7.2.1). */
  private static byte[] deflated(byte[] data) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    deflater.setInput(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    int n;
    while ((n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH)) > 0) {
      out.write(chunk, 0, n);
    }
    deflater.end();
    byte[] all = out.toByteArray();
    return Arrays.copyOf(all, all.length - 4); // without the 00 00 ff ff tail
  }

  private void assertNoServerErrorLogged() {
    assertThat(logged.list)
        .as("a client's bad frame is not a server error")
        .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null);
  }

  @Test
  void aCompressedMessageThatInflatesPastTheFrameLimitClosesWith1009AndLogsNoError() {
    try (TestGateway server =
            new TestGateway(
                GatewayConfig.defaults().withMaxFrameBytes(MAX_FRAME).withCompression(true));
        RawSocket s = RawSocket.connect("127.0.0.1", server.port)) {
      String head = s.upgrade("127.0.0.1", "/ws", Encoding.JSON, "permessage-deflate");
      assertThat(head).containsIgnoringCase("permessage-deflate");
      byte[] big =
          ("{\"id\":\"1\",\"auth\":{\"token\":\"" + "a".repeat(100_000) + "\"}}")
              .getBytes(StandardCharsets.UTF_8);
      byte[] compressed = deflated(big);
      assertThat(compressed.length).as("small on the wire").isLessThan(MAX_FRAME);

      s.write(RawSocket.frame(RawSocket.TEXT, true, compressed));
      s.awaitClosed(CLOSE);

      assertThat(s.closeFrames())
          .singleElement()
          .satisfies(f -> assertThat(f.closeCode()).isEqualTo(1009));
      assertNoServerErrorLogged();
    }
  }

  @Test
  void anUnmaskedFrameIsAnsweredWithExactlyOneCloseFrame1002() {
    try (TestGateway server = new TestGateway(GatewayConfig.defaults());
        RawSocket s = upgraded(server)) {
      // FIN + text, no mask bit, 2 bytes of payload.
      s.write(new byte[] {(byte) 0x81, 0x02, 'h', 'i'});
      s.awaitClosed(CLOSE);

      assertThat(s.closeFrames())
          .singleElement()
          .satisfies(f -> assertThat(f.closeCode()).isEqualTo(1002));
      assertNoServerErrorLogged();
    }
  }

  @Test
  void invalidUtf8InATextFrameIsAnsweredWithExactlyOneCloseFrame1007() {
    try (TestGateway server = new TestGateway(GatewayConfig.defaults());
        RawSocket s = upgraded(server)) {
      s.write(RawSocket.frame(true, new byte[] {'{', (byte) 0xc3, (byte) 0x28, '}'}));
      s.awaitClosed(CLOSE);

      assertThat(s.closeFrames())
          .singleElement()
          .satisfies(f -> assertThat(f.closeCode()).isEqualTo(1007));
      assertNoServerErrorLogged();
    }
  }

  @Test
  void aFrameOverTheLimitIsAnsweredWithExactlyOneCloseFrame1009() {
    try (TestGateway server =
            new TestGateway(GatewayConfig.defaults().withMaxFrameBytes(MAX_FRAME));
        RawSocket s = upgraded(server)) {
      s.write(RawSocket.frame(true, "x".repeat(MAX_FRAME + 1).getBytes(StandardCharsets.UTF_8)));
      s.awaitClosed(CLOSE);

      assertThat(s.closeFrames())
          .singleElement()
          .satisfies(f -> assertThat(f.closeCode()).isEqualTo(1009));
      assertNoServerErrorLogged();
    }
  }
}
