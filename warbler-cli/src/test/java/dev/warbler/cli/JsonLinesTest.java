package dev.warbler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.EditChange;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageChange;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.ReactionChange;
import dev.warbler.protocol.v1.ReactionCount;
import dev.warbler.protocol.v1.RecallChange;
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

  @Test
  void lifecycleFieldsAppearOnlyWhenSet() {
    String line =
        JsonLines.message(
            text()
                .setReplyTo(7)
                .addMentions("bob")
                .setMentionAll(true)
                .setEditedAt(NOON)
                .addReactions(ReactionCount.newBuilder().setEmoji("👍").setCount(2).setMine(true))
                .build());

    assertThat(line)
        .contains("\"replyTo\":7")
        .contains("\"mentions\":[\"bob\"]")
        .contains("\"mentionAll\":true")
        .contains("\"editedAt\":\"2026-01-01T12:00:00.123Z\"")
        .contains("\"reactions\":[{\"emoji\":\"👍\",\"count\":2,\"mine\":true}]")
        .doesNotContain("recalled")
        .doesNotContain("change");
    assertThat(JsonLines.message(text().setRecalled(true).setText("").build()))
        .contains("\"recalled\":true");
  }

  @Test
  void aChangeEntryPrintsWhatItChanged() {
    Message.Builder entry = text().setType(MessageType.CHANGE).setText("").setFrom("bob");
    Message reaction =
        entry
            .setChange(
                MessageChange.newBuilder()
                    .setTargetSeq(3)
                    .setReaction(
                        ReactionChange.newBuilder().setEmoji("👍").setAdded(true).setCount(2)))
            .build();
    Message edit =
        entry
            .setChange(
                MessageChange.newBuilder()
                    .setTargetSeq(3)
                    .setEdit(EditChange.newBuilder().setText("fixed").setEditedAt(NOON)))
            .build();
    Message recall =
        entry
            .setChange(
                MessageChange.newBuilder()
                    .setTargetSeq(3)
                    .setRecall(RecallChange.getDefaultInstance()))
            .build();

    assertThat(JsonLines.message(reaction))
        .contains("\"type\":\"change\"")
        .contains(
            "\"change\":{\"targetSeq\":3,\"reaction\":{\"emoji\":\"👍\",\"added\":true,\"count\":2}}");
    assertThat(JsonLines.message(recall)).contains("\"change\":{\"targetSeq\":3,\"recall\":true}");
    assertThat(JsonLines.chatLine(reaction, ZoneId.of("UTC")))
        .isEqualTo("[12:00:00] bob reacted 👍 to #3 (2)");
    assertThat(JsonLines.chatLine(edit, ZoneId.of("UTC")))
        .isEqualTo("[12:00:00] bob edited #3: fixed");
    assertThat(JsonLines.chatLine(recall, ZoneId.of("UTC")))
        .isEqualTo("[12:00:00] bob recalled #3");
  }

  @Test
  void aTombstoneIsOnlyItsPlace() {
    Message tombstone =
        Message.newBuilder().setConversation("d:alice:bob").setSeq(4).setDeletedForMe(true).build();

    assertThat(JsonLines.message(tombstone))
        .isEqualTo("{\"conversation\":\"d:alice:bob\",\"seq\":4,\"deletedForMe\":true}");
    assertThat(JsonLines.chatLine(tombstone, ZoneId.of("UTC"))).isEqualTo("#4 (deleted for you)");
  }

  @Test
  void aChatLineShowsReplyEditAndReactionsAndHidesARecalledText() {
    Message m =
        text()
            .setText("sure")
            .setReplyTo(2)
            .setEditedAt(NOON)
            .addReactions(ReactionCount.newBuilder().setEmoji("🎉").setCount(1))
            .build();

    assertThat(JsonLines.chatLine(m, ZoneId.of("UTC")))
        .isEqualTo("[12:00:00] alice: ↪ #2 sure (edited) [🎉 1]");
    assertThat(JsonLines.chatLine(m.toBuilder().setRecalled(true).build(), ZoneId.of("UTC")))
        .isEqualTo("[12:00:00] alice: ↪ #2 (recalled)");
  }
}
