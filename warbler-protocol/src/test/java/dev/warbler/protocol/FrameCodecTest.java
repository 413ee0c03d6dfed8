package dev.warbler.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Both encodings on bytes: round trips, bad input as values, unknown frames. */
class FrameCodecTest {
  private static final ClientFrame SEND =
      ClientFrame.newBuilder()
          .setId("42")
          .setSend(
              Send.newBuilder()
                  .setClientMsgId("c-1")
                  .setUser("bob")
                  .setType(MessageType.TEXT)
                  .setText("héllo 你好"))
          .build();

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void clientFramesRoundTrip(Encoding encoding) {
    FrameCodec codec = encoding.codec();
    Decoded decoded = codec.decodeClient(codec.encodeClient(SEND));
    assertThat(decoded).isEqualTo(new Decoded.Frame(SEND));
  }

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void serverFramesRoundTrip(Encoding encoding) {
    ServerFrame pushed =
        ServerFrame.newBuilder()
            .setMessage(
                Message.newBuilder()
                    .setConversation("d:alice:bob")
                    .setSeq(Long.MAX_VALUE)
                    .setFrom("alice")
                    .setText("hi"))
            .build();
    FrameCodec codec = encoding.codec();
    assertThat(codec.decodeServer(codec.encodeServer(pushed))).isEqualTo(pushed);
  }

  @Test
  void jsonUsesTheProto3MappingWithCamelCaseNames() {
    String json = new String(Encoding.JSON.codec().encodeClient(SEND), StandardCharsets.UTF_8);
    assertThat(json)
        .isEqualTo(
            "{\"id\":\"42\",\"send\":{\"clientMsgId\":\"c-1\",\"user\":\"bob\",\"type\":\"TEXT\","
                + "\"text\":\"héllo 你好\"}}");
    Decoded snake =
        Encoding.JSON
            .codec()
            .decodeClient(
                "{\"id\":\"1\",\"send\":{\"client_msg_id\":\"x\",\"user\":\"bob\",\"text\":\"t\"}}"
                    .getBytes(StandardCharsets.UTF_8));
    assertThat(((Decoded.Frame) snake).frame().getSend().getClientMsgId()).isEqualTo("x");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "[]",
        "null",
        "{\"id\":\"7\",\"ping\":{\"clientTime\":\"abc\"}}",
        "{\"id\":\"7\",\"send\":{\"text\":{\"a\":1}}}",
        "{\"id\":\"7\",\"send\":[1,2]}"
      })
  void malformedJsonIsAValueWithTheRequestIdWhenRecoverable(String text) {
    Decoded d = Encoding.JSON.codec().decodeClient(text.getBytes(StandardCharsets.UTF_8));
    assertThat(d).isInstanceOf(Decoded.Malformed.class);
    if (text.contains("\"id\":\"7\"")) {
      assertThat(((Decoded.Malformed) d).requestId()).isEqualTo("7");
    }
    assertThat(((Decoded.Malformed) d).reason()).isNotBlank();
  }

  @Test
  void deeplyNestedJsonIsMalformedNotACrash() {
    String deep = "{\"id\":\"1\",\"x\":" + "[".repeat(50_000) + "]".repeat(50_000) + "}";
    Decoded d = Encoding.JSON.codec().decodeClient(deep.getBytes(StandardCharsets.UTF_8));
    assertThat(d).isInstanceOfAny(Decoded.Malformed.class, Decoded.Frame.class);
  }

  @Test
  void garbageProtobufIsAValue() {
    Decoded d = Encoding.PROTO.codec().decodeClient(new byte[] {(byte) 0xff, 0x01, 0x02});
    assertThat(d).isInstanceOf(Decoded.Malformed.class);
  }

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void anUnknownFrameTypeDecodesToAFrameWithoutBody(Encoding encoding) {
    byte[] wire =
        encoding == Encoding.JSON
            ? "{\"id\":\"9\",\"teleport\":{\"to\":\"mars\"}}".getBytes(StandardCharsets.UTF_8)
            : new byte[] {0x0a, 0x01, 0x39, (byte) 0xba, 0x3e, 0x00}; // id "9", field 999 empty
    Decoded d = encoding.codec().decodeClient(wire);
    assertThat(d).isInstanceOf(Decoded.Frame.class);
    ClientFrame f = ((Decoded.Frame) d).frame();
    assertThat(f.getId()).isEqualTo("9");
    assertThat(f.getBodyCase()).isEqualTo(ClientFrame.BodyCase.BODY_NOT_SET);
  }

  @Test
  void aBadServerFrameOnTheClientSideIsAnIllegalArgument() {
    assertThatThrownBy(() -> Encoding.PROTO.codec().decodeServer(new byte[] {(byte) 0xff}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errorAndCloseCodesAreUniqueAndGroupedByReconnectRule() {
    assertThat(ErrorCode.values()).extracting(ErrorCode::code).doesNotHaveDuplicates();
    assertThat(ErrorCode.of(3001)).contains(ErrorCode.NOT_MEMBER);
    for (CloseCode c : CloseCode.values()) {
      if (c.code() >= 4000 && c.code() < 4100) {
        assertThat(c.reconnect()).as(c.name()).isTrue();
      }
      if (c.code() >= 4100 && c.code() < 4200) {
        assertThat(c.reconnect()).as(c.name()).isFalse();
      }
    }
  }
}
