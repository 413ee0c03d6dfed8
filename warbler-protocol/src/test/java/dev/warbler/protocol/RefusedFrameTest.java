package dev.warbler.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Error;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a client learns about a frame the server refuses: a reason in words that name nothing of the
 * parser, the request id as sent, and two members of one oneof refused as an invalid argument on
 * both encodings, with the field names of the client's encoding.
 */
class RefusedFrameTest {
  private static Decoded json(String text) {
    return Encoding.JSON.codec().decodeClient(text.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"id\":\"bad-1\",\"ping\":{                  | malformed JSON at line 1 column 23: unexpected end of input",
        "{\"id\":\"bad-1\" \"x\"}                      | malformed JSON at line 1 column 16: unterminated object",
        "{\"id\":\"bad-1\",\"ping\":{\"clientTime\":\"x\"}} | invalid frame: Not an int64 value: \"x\"",
        "{\"id\":\"bad-1\",\"send\":5}                  | invalid frame: Expect message object but got: 5",
      })
  void malformedJsonIsExplainedWithoutTheParsersClassNames(String text, String reason) {
    Decoded d = json(text.strip());

    assertThat(d).isEqualTo(new Decoded.Malformed("bad-1", reason.strip()));
  }

  @Test
  void anEmptyOrNonObjectJsonFrameIsExplained() {
    assertThat(json("")).isEqualTo(new Decoded.Malformed("", "malformed JSON: the frame is empty"));
    assertThat(json("[1,2]"))
        .isEqualTo(new Decoded.Malformed("", "invalid frame: a frame must be a JSON object"));
  }

  @Test
  void jsonNestedTooDeeplyIsExplained() {
    String deep = "{\"id\":\"d\",\"send\":{\"payload\":" + "[".repeat(60_000);
    Decoded d = json(deep);
    assertThat(d).isInstanceOf(Decoded.Malformed.class);
    assertThat(((Decoded.Malformed) d).requestId()).isEqualTo("d");
    assertThat(((Decoded.Malformed) d).reason())
        .startsWith("malformed JSON")
        .doesNotContain("JsonReader", "Exception");
  }

  @Test
  void aJsonSendWithTwoTargetsIsAnInvalidArgumentNamingThemInCamelCase() {
    assertThat(
            json("{\"id\":\"t2\",\"send\":{\"clientMsgId\":\"c\",\"user\":\"a\",\"group\":\"g\"}}"))
        .isEqualTo(
            new Decoded.Invalid(
                "t2",
                "send takes exactly one of user, group, conversation, chatroom but has user and group"));
    assertThat(json("{\"id\":\"t3\",\"markRead\":{},\"send\":{}}"))
        .isEqualTo(
            new Decoded.Invalid(
                "t3", "a frame carries exactly one request but this one has markRead and send"));
  }

  @Test
  void aNullTargetDoesNotCount() {
    assertThat(json("{\"id\":\"n\",\"send\":{\"user\":\"a\",\"group\":null}}"))
        .isInstanceOf(Decoded.Frame.class);
  }

  @Test
  void aProtoSendWithTwoTargetsIsAnInvalidArgumentNamingThemAsTheProtoFileDoes() throws Exception {
    // Two occurrences of send are merged by the parser, which keeps only the last target.
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    ClientFrame.newBuilder()
        .setId("t2")
        .setSend(Send.newBuilder().setClientMsgId("c").setUser("a"))
        .build()
        .writeTo(wire);
    ClientFrame.newBuilder().setSend(Send.newBuilder().setGroup("g")).build().writeTo(wire);
    ByteArrayOutputStream bodies = new ByteArrayOutputStream();
    ClientFrame.newBuilder().setId("t3").setSend(Send.newBuilder()).build().writeTo(bodies);
    ClientFrame.newBuilder()
        .setMarkRead(dev.warbler.protocol.v1.MarkRead.newBuilder())
        .build()
        .writeTo(bodies);

    assertThat(Encoding.PROTO.codec().decodeClient(wire.toByteArray()))
        .isEqualTo(
            new Decoded.Invalid(
                "t2",
                "send takes exactly one of user, group, conversation, chatroom but has user and group"));
    assertThat(Encoding.PROTO.codec().decodeClient(bodies.toByteArray()))
        .isEqualTo(
            new Decoded.Invalid(
                "t3", "a frame carries exactly one request but this one has send and mark_read"));
  }

  @Test
  void malformedProtobufIsExplainedAndKeepsTheIdWhenItCameFirst() {
    byte[] whole =
        ClientFrame.newBuilder()
            .setId("cut")
            .setSend(Send.newBuilder().setClientMsgId("c").setUser("a").setText("hello"))
            .build()
            .toByteArray();
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);

    assertThat(Encoding.PROTO.codec().decodeClient(cut))
        .isEqualTo(
            new Decoded.Malformed(
                "cut", "malformed protobuf: the input ends in the middle of a field"));
    assertThat(
            Encoding.PROTO
                .codec()
                .decodeClient(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}))
        .isInstanceOfSatisfying(
            Decoded.Malformed.class,
            m ->
                assertThat(m.reason())
                    .startsWith("malformed protobuf: ")
                    .doesNotContain("CodedInputStream"));
  }

  @Test
  void theRequestIdIsReadWithoutDecodingTheRest() {
    String longId = "x".repeat(100);
    assertThat(
            Encoding.JSON
                .codec()
                .requestId(
                    ("{\"ping\":{},\"id\":\"" + longId + "\"}").getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(longId);
    assertThat(
            Encoding.JSON
                .codec()
                .requestId("{\"id\":\"a\\\"b\",\"send\":{".getBytes(StandardCharsets.UTF_8)))
        .as("escapes decoded; the id before a syntax error counts")
        .isEqualTo("a\"b");
    assertThat(Encoding.JSON.codec().requestId("not json".getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
    byte[] proto =
        ClientFrame.newBuilder()
            .setId(longId)
            .setPing(Ping.newBuilder().setClientTime(5))
            .build()
            .toByteArray();
    assertThat(Encoding.PROTO.codec().requestId(proto)).isEqualTo(longId);
    assertThat(Encoding.PROTO.codec().requestId(new byte[] {(byte) 0xff})).isEmpty();
  }

  @Test
  void errorMessagesNameFieldsAsTheProtoFileDoesOnTheBinaryEncoding() {
    ServerFrame error =
        ServerFrame.newBuilder()
            .setId("1")
            .setError(
                Error.newBuilder()
                    .setCode(1004)
                    .setMessage(
                        "clientMsgId must be 1-64 characters of 0x21-0x7E but was 'replyTo x';"
                            + " replyTo 7 in g:replyTo or a.replyTo; join it (joinChatroom)."))
            .build();

    ServerFrame proto =
        Encoding.PROTO.codec().decodeServer(Encoding.PROTO.codec().encodeServer(error));
    ServerFrame json =
        Encoding.JSON.codec().decodeServer(Encoding.JSON.codec().encodeServer(error));

    assertThat(proto.getError().getMessage())
        .isEqualTo(
            "client_msg_id must be 1-64 characters of 0x21-0x7E but was 'replyTo x';"
                + " reply_to 7 in g:replyTo or a.replyTo; join it (join_chatroom).");
    assertThat(json).isEqualTo(error);
  }
}
