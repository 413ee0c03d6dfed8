package dev.warbler.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.DiscardUnknownFieldsParser;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for both frame decoders. A plain build replays the inputs committed under {@code
 * src/test/resources/dev/warbler/protocol/FrameCodecFuzzTestInputs/<method>/}; {@code
 * JAZZER_FUZZ=1} fuzzes one method (see CONTRIBUTING.md).
 *
 * <p>The contract checked: {@code decodeClient} never throws and answers a frame, a {@code
 * Malformed} or an {@code Invalid} whose reason names nothing of the parser (no class, package or
 * exception) and whose request id is what {@code requestId} reads alone; {@code requestId} never
 * throws and agrees with every decoded frame's id; a decoded frame survives a round trip through
 * both encodings unchanged. {@code decodeServer} (what the SDK runs on what a server sends) answers
 * a frame or throws {@link IllegalArgumentException}, nothing else.
 */
class FrameCodecFuzzTest {

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void jsonClientFrames(byte[] wire) {
    clientFrame(Encoding.JSON, wire);
  }

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void protoClientFrames(byte[] wire) {
    clientFrame(Encoding.PROTO, wire);
  }

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void jsonServerFrames(byte[] wire) {
    serverFrame(Encoding.JSON, wire);
  }

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void protoServerFrames(byte[] wire) {
    serverFrame(Encoding.PROTO, wire);
  }

  private static void clientFrame(Encoding encoding, byte[] wire) {
    Decoded decoded = encoding.codec().decodeClient(wire);
    String id = encoding.codec().requestId(wire);
    switch (decoded) {
      case Decoded.Malformed m -> {
        assertNamesNoInternals(m.reason());
        assertThat(m.reason())
            .matches(
                encoding.text() ? "(malformed JSON|invalid frame: ).*" : "malformed protobuf: .*");
        assertThat(m.requestId()).isEqualTo(id);
      }
      case Decoded.Invalid i -> {
        assertNamesNoInternals(i.reason());
        assertThat(i.reason()).contains("exactly one");
        assertThat(i.requestId()).isEqualTo(id);
      }
      case Decoded.Frame f -> {
        ClientFrame frame = f.frame();
        assertThat(id).as("the id read alone").isEqualTo(frame.getId());
        FrameCodec same = encoding.codec();
        assertThat(same.decodeClient(same.encodeClient(frame))).isEqualTo(decoded);
        // JSON drops fields it does not know; everything known must survive both encodings.
        ClientFrame known = withoutUnknownFields(frame);
        for (Encoding other : Encoding.values()) {
          FrameCodec codec = other.codec();
          assertThat(codec.decodeClient(codec.encodeClient(known)))
              .as("%s frame re-encoded as %s", encoding, other)
              .isEqualTo(new Decoded.Frame(known));
        }
      }
    }
  }

  /**
   * A reason a client reads: one line, and no class, package or exception of the parser in it
   * outside the values it quotes from the input ({@code "..."} or {@code '...'}).
   */
  private static void assertNamesNoInternals(String reason) {
    assertThat(reason).isNotBlank().doesNotContainPattern("\\p{Cntrl}");
    String unquoted =
        reason.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"").replaceAll("'[^']*'", "''");
    assertThat(unquoted)
        .as("%s without the quoted input", reason)
        .doesNotContain("Exception", "JsonReader", "CodedInputStream", "Gson")
        .doesNotContainPattern("\\b(java|javax|com|org|io)\\.[a-z]");
  }

  private static void serverFrame(Encoding encoding, byte[] wire) {
    ServerFrame frame;
    try {
      frame = encoding.codec().decodeServer(wire);
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessageStartingWith("invalid server frame");
      return;
    }
    FrameCodec same = encoding.codec();
    assertThat(same.decodeServer(same.encodeServer(frame))).isEqualTo(frame);
    ServerFrame known = withoutUnknownFields(frame);
    for (Encoding other : Encoding.values()) {
      FrameCodec codec = other.codec();
      assertThat(codec.decodeServer(codec.encodeServer(known)))
          .as("%s frame re-encoded as %s", encoding, other)
          .isEqualTo(known);
    }
  }

  private static ClientFrame withoutUnknownFields(ClientFrame frame) {
    try {
      return DiscardUnknownFieldsParser.wrap(ClientFrame.parser()).parseFrom(frame.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a decoded frame must re-parse", e);
    }
  }

  private static ServerFrame withoutUnknownFields(ServerFrame frame) {
    try {
      return DiscardUnknownFieldsParser.wrap(ServerFrame.parser()).parseFrom(frame.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a decoded frame must re-parse", e);
    }
  }
}
