package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an error tells a client over a real socket: no class of the server's parsers, fields named
 * as the client's encoding names them, an id the client can match, and INVALID_ARGUMENT for a
 * {@code send} to two targets on both encodings.
 */
class GatewayErrorTextTest {
  private static TestGateway server;

  @BeforeAll
  static void start() {
    server = new TestGateway();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static void assertNamesNoInternals(String message) {
    assertThat(message)
        .doesNotContain("Exception", "JsonReader", "CodedInputStream", "Gson")
        .doesNotContainPattern("\\b(java|javax|com|org|io)\\.[a-z]");
  }

  @Test
  void truncatedJsonIsAnsweredWithTheLineAndColumnAndNoParserClassNames() {
    RawClient client = server.login(server.newUser());

    client.sendRaw("{\"id\":\"bad-1\",\"ping\":{");
    ServerFrame eof = client.next(WAIT);
    client.sendRaw("{\"id\":\"bad-2\" \"x\"}");
    ServerFrame syntax = client.next(WAIT);

    assertThat(eof.getId()).isEqualTo("bad-1");
    assertThat(eof.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_FRAME.code());
    assertThat(eof.getError().getMessage())
        .isEqualTo("malformed JSON at line 1 column 23: unexpected end of input");
    assertThat(syntax.getId()).isEqualTo("bad-2");
    assertThat(syntax.getError().getMessage())
        .isEqualTo("malformed JSON at line 1 column 16: unterminated object");
    assertNamesNoInternals(eof.getError().getMessage());
    assertNamesNoInternals(syntax.getError().getMessage());
  }

  @Test
  void truncatedProtobufIsAnsweredWithoutParserClassNames() {
    RawClient client = server.login(server.newUser(), Encoding.PROTO);

    client.sendRawBinary(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});

    ServerFrame error = client.next(WAIT);
    assertThat(error.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_FRAME.code());
    assertThat(error.getError().getMessage()).startsWith("malformed protobuf: ");
    assertNamesNoInternals(error.getError().getMessage());
  }

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void aSendToBothAUserAndAGroupIsAnInvalidArgumentOnEitherEncoding(Encoding encoding) {
    String bob = server.newUser();
    RawClient client = server.login(server.newUser(), encoding);
    if (encoding.text()) {
      client.sendRaw(
          "{\"id\":\"two\",\"send\":{\"clientMsgId\":\"c\",\"user\":\""
              + bob
              + "\",\"group\":\"g1\",\"text\":\"hi\"}}");
    } else {
      // The same send as the binary encoding allows it: two occurrences of send, merged.
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      try {
        ClientFrame.newBuilder()
            .setId("two")
            .setSend(Send.newBuilder().setClientMsgId("c").setUser(bob).setText("hi"))
            .build()
            .writeTo(wire);
        ClientFrame.newBuilder().setSend(Send.newBuilder().setGroup("g1")).build().writeTo(wire);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      client.sendRawBinary(wire.toByteArray());
    }

    ServerFrame error = client.next(WAIT);
    assertThat(error.getId()).isEqualTo("two");
    assertThat(error.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(error.getError().getMessage())
        .isEqualTo(
            "send takes exactly one of user, group, conversation, chatroom but has user and group");
    assertThat(client.request(GatewayMessagingTest.ping("still-open")).hasPong()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void aFirstFrameWithAnOverlongIdIsAnsweredWithThatIdThenClosed(Encoding encoding) {
    RawClient client = server.connect(encoding);
    String id = "i".repeat(80);

    ServerFrame error = client.request(TestGateway.auth(id, server.token(server.newUser())));

    assertThat(error.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(client.awaitClose(WAIT)).isEqualTo(CloseCode.NOT_AUTHENTICATED.code());
  }

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void fieldsInErrorsAreNamedAsTheClientsEncodingNamesThem(Encoding encoding) {
    String bob = server.newUser();
    String me = server.newUser();
    RawClient client = server.login(me, encoding);
    String conversation = dev.warbler.core.messaging.ConversationId.direct(me, bob).toString();
    boolean json = encoding.text();

    ServerFrame badId =
        client.request(
            ClientFrame.newBuilder()
                .setId("s1")
                .setSend(Send.newBuilder().setClientMsgId("has space").setUser(bob).setText("t"))
                .build());
    ServerFrame badReply =
        client.request(
            ClientFrame.newBuilder()
                .setId("s2")
                .setSend(
                    Send.newBuilder().setClientMsgId("c2").setUser(bob).setText("t").setReplyTo(-1))
                .build());
    ServerFrame badPull =
        client.request(
            ClientFrame.newBuilder()
                .setId("s3")
                .setPull(Pull.newBuilder().setConversation(conversation).setAfterSeq(-1))
                .build());
    ServerFrame badHistory =
        client.request(
            ClientFrame.newBuilder()
                .setId("s4")
                .setHistory(History.newBuilder().setConversation(conversation).setBeforeSeq(-1))
                .build());

    assertThat(badId.getError().getMessage())
        .isEqualTo(
            (json ? "clientMsgId" : "client_msg_id")
                + " must be 1-64 characters of 0x21-0x7E (printable ASCII, no space) but was"
                + " 'has space'");
    assertThat(badReply.getError().getMessage())
        .isEqualTo((json ? "replyTo" : "reply_to") + " must be >= 0");
    assertThat(badPull.getError().getMessage())
        .isEqualTo((json ? "afterSeq" : "after_seq") + " must be >= 0");
    assertThat(badHistory.getError().getMessage())
        .isEqualTo((json ? "beforeSeq" : "before_seq") + " must be >= 0");
  }
}
