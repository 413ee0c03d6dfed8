package dev.warbler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.WarblerAdmin;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
  private static final long NOON = Instant.parse("2026-01-01T12:00:00.123Z").toEpochMilli();

  private static Message.Builder text() {
    return Message.newBuilder()
        .setConversation("d:alice:bob")
        .setSeq(42)
        .setId("m42")
        .setClientMsgId("c1")
        .setFrom("alice")
        .setType(MessageType.TEXT)
        .setText("hi \"bob\"")
        .setSentAt(NOON);
  }

  @Test
  void aMessageIsOneLineWithLowerCaseTypeAndIsoUtcTime() {
    assertThat(JsonLines.message(text().build()))
        .isEqualTo(
            "{\"conversation\":\"d:alice:bob\",\"seq\":42,\"id\":\"m42\",\"clientMsgId\":\"c1\","
                + "\"from\":\"alice\",\"type\":\"text\",\"text\":\"hi \\\"bob\\\"\","
                + "\"sentAt\":\"2026-01-01T12:00:00.123Z\"}");
  }

  @Test
  void aPayloadIsEmbeddedAsJsonNotAsAString() {
    String line =
        JsonLines.message(
            text().setType(MessageType.CUSTOM).setText("").setPayload("{\"k\":[1,2]}").build());

    assertThat(line).contains("\"type\":\"custom\"").contains("\"payload\":{\"k\":[1,2]}");
  }

  @Test
  void everyMessageTypeHasALowerCaseName() {
    assertThat(JsonLines.type(MessageType.MARKDOWN)).isEqualTo("markdown");
    assertThat(JsonLines.type(MessageType.SYSTEM)).isEqualTo("system");
    assertThat(JsonLines.type(MessageType.TEXT)).isEqualTo("text");
    assertThat(JsonLines.type(MessageType.CUSTOM)).isEqualTo("custom");
  }

  @Test
  void anAckIsOneLine() {
    SendAck ack =
        SendAck.newBuilder()
            .setConversation("g:team")
            .setSeq(3)
            .setMessageId("m3")
            .setClientMsgId("c3")
            .setSentAt(NOON)
            .setDuplicate(true)
            .build();

    assertThat(JsonLines.ack(ack))
        .isEqualTo(
            "{\"conversation\":\"g:team\",\"seq\":3,\"messageId\":\"m3\",\"clientMsgId\":\"c3\","
                + "\"sentAt\":\"2026-01-01T12:00:00.123Z\",\"duplicate\":true}");
  }

  @Test
  void aGroupLineListsItsMembers() {
    var group =
        new WarblerAdmin.Group(
            "team", "Team", "alice", List.of("alice", "bob"), "g:team", Instant.ofEpochMilli(NOON));

    assertThat(JsonLines.group(group))
        .isEqualTo(
            "{\"id\":\"team\",\"name\":\"Team\",\"owner\":\"alice\",\"members\":[\"alice\",\"bob\"],"
                + "\"conversation\":\"g:team\",\"createdAt\":\"2026-01-01T12:00:00.123Z\"}");
  }

  @Test
  void aChatLineShowsLocalTimeSenderAndText() {
    assertThat(JsonLines.chatLine(text().build(), ZoneId.of("Europe/Berlin")))
        .isEqualTo("[13:00:00] alice: hi \"bob\"");
    assertThat(
            JsonLines.chatLine(text().setFrom("").setText("maintenance").build(), ZoneId.of("UTC")))
        .isEqualTo("[12:00:00] system: maintenance");
  }
}
