package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.EditChange;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageChange;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.ReactionChange;
import dev.warbler.protocol.v1.ReactionCount;
import dev.warbler.protocol.v1.RecallChange;
import org.junit.jupiter.api.Test;

class MessageChangesTest {
  private static final Message TARGET =
      Message.newBuilder()
          .setConversation("g:team")
          .setSeq(3)
          .setFrom("amy")
          .setType(MessageType.TEXT)
          .setText("hello @bob")
          .setPayload("{\"k\":1}")
          .addMentions("bob")
          .addReactions(ReactionCount.newBuilder().setEmoji("👍").setCount(1))
          .build();

  private static Message change(String from, long target, MessageChange.Builder change) {
    return Message.newBuilder()
        .setConversation("g:team")
        .setSeq(9)
        .setFrom(from)
        .setType(MessageType.CHANGE)
        .setChange(change.setTargetSeq(target))
        .build();
  }

  private static Message reaction(String from, String emoji, boolean added, long count) {
    return change(
        from,
        3,
        MessageChange.newBuilder()
            .setReaction(
                ReactionChange.newBuilder().setEmoji(emoji).setAdded(added).setCount(count)));
  }

  @Test
  void aRecallClearsTheContentMentionsAndReactions() {
    Message recalled =
        MessageChanges.apply(
            TARGET,
            change(
                "amy", 3, MessageChange.newBuilder().setRecall(RecallChange.getDefaultInstance())));

    assertThat(recalled.getRecalled()).isTrue();
    assertThat(recalled.getText()).isEmpty();
    assertThat(recalled.getPayload()).isEmpty();
    assertThat(recalled.getMentionsList()).isEmpty();
    assertThat(recalled.getReactionsList()).isEmpty();
    assertThat(recalled.getSeq()).isEqualTo(3);
  }

  @Test
  void anEditReplacesTextAndPayloadAndSetsTheEditTime() {
    Message edited =
        MessageChanges.apply(
            TARGET,
            change(
                "amy",
                3,
                MessageChange.newBuilder()
                    .setEdit(EditChange.newBuilder().setText("hi @bob").setEditedAt(42))));

    assertThat(edited.getText()).isEqualTo("hi @bob");
    assertThat(edited.getPayload()).isEmpty();
    assertThat(edited.getEditedAt()).isEqualTo(42);
  }

  @Test
  void reactionEntriesSetCountsAddNewEmojiLastDropZeroesAndMarkTheReadersOwn() {
    Message m = MessageChanges.apply(TARGET, reaction("bob", "🎉", true, 1), "bob");
    m = MessageChanges.apply(m, reaction("carl", "👍", true, 2), "bob");

    assertThat(m.getReactionsList())
        .containsExactly(
            ReactionCount.newBuilder().setEmoji("👍").setCount(2).build(),
            ReactionCount.newBuilder().setEmoji("🎉").setCount(1).setMine(true).build());

    m = MessageChanges.apply(m, reaction("bob", "🎉", false, 0), "bob");
    assertThat(m.getReactionsList()).extracting(ReactionCount::getEmoji).containsExactly("👍");
  }

  @Test
  void anEntryForAnotherMessageOrATombstoneChangesNothing() {
    Message other =
        change("amy", 4, MessageChange.newBuilder().setRecall(RecallChange.getDefaultInstance()));
    Message tombstone =
        Message.newBuilder().setConversation("g:team").setSeq(3).setDeletedForMe(true).build();
    Message recall =
        change("amy", 3, MessageChange.newBuilder().setRecall(RecallChange.getDefaultInstance()));

    assertThat(MessageChanges.apply(TARGET, other)).isEqualTo(TARGET);
    assertThat(MessageChanges.apply(TARGET, TARGET)).isEqualTo(TARGET);
    assertThat(MessageChanges.apply(tombstone, recall)).isEqualTo(tombstone);
  }
}
