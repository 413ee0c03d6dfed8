package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.testkit.HistoryChecker.Ack;
import dev.warbler.testkit.HistoryChecker.Delivery;
import dev.warbler.testkit.HistoryChecker.Input;
import dev.warbler.testkit.HistoryChecker.Report;
import dev.warbler.testkit.HistoryChecker.Send;
import dev.warbler.testkit.HistoryChecker.Stored;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Hand-made histories: one healthy run, then the same run with each kind of violation. Users a, b
 * and c are in group crew; a and b share the direct conversation d:a:b.
 */
class HistoryCheckerTest {
  private static final String G = "g:crew";
  private static final String D = "d:a:b";

  private final List<Send> sends =
      new ArrayList<>(
          List.of(
              new Send("a", "a-1", G, 10),
              new Send("b", "b-1", G, 11),
              new Send("a", "a-3", D, 12),
              new Send("b", "b-2", D, 13),
              new Send("a", "a-2", G, 30),
              new Send("a", "a-4", D, 40)));
  private final List<Ack> acks =
      new ArrayList<>(
          List.of(
              new Ack("a", "a-3", D, 1, 15, false),
              new Ack("a", "a-1", G, 2, 20, false),
              new Ack("b", "b-1", G, 3, 25, false),
              new Ack("a", "a-2", G, 4, 35, false)));
  private final List<Stored> history =
      new ArrayList<>(
          List.of(
              new Stored(G, 1, "", ""),
              new Stored(G, 2, "a", "a-1"),
              new Stored(G, 3, "b", "b-1"),
              new Stored(G, 4, "a", "a-2"),
              new Stored(D, 1, "a", "a-3"),
              new Stored(D, 2, "b", "b-2")));
  private final Map<String, Set<String>> members =
      Map.of(G, Set.of("a", "b", "c"), D, Set.of("a", "b"));
  private final List<Delivery> deliveries =
      new ArrayList<>(
          List.of(
              new Delivery("b", G, 2, "a-1"),
              new Delivery("c", G, 2, "a-1"),
              new Delivery("c", G, 1, ""),
              new Delivery("a", D, 2, "b-2")));

  private Report check() {
    return HistoryChecker.check(new Input(sends, acks, history, members, deliveries));
  }

  private void replaceStored(long seq, String conversation, Stored with) {
    history.removeIf(s -> s.conversation().equals(conversation) && s.seq() == seq);
    history.add(with);
  }

  @Test
  void aHealthyRunBreaksNothingAndCountsTheStoredSendWhoseAckNeverCame() {
    Report r = check();

    assertThat(r.ok()).as(r.examples().toString()).isTrue();
    assertThat(r.examples()).isEmpty();
    assertThat(r.sent()).isEqualTo(6);
    assertThat(r.acked()).isEqualTo(4);
    assertThat(r.stored()).isEqualTo(6);
    assertThat(r.conversations()).isEqualTo(2);
    assertThat(r.storedUnacked()).as("b-2 stored, never acked").isEqualTo(1);
  }

  @Test
  void anAckedMessageMissingFromHistoryIsLost() {
    history.removeIf(s -> s.clientMsgId().equals("a-2"));

    Report r = check();

    assertThat(r.lost()).isEqualTo(1);
    assertThat(r.gaps()).as("it was the last seq").isZero();
    assertThat(r.ok()).isFalse();
    assertThat(r.examples()).anyMatch(e -> e.startsWith("lost:") && e.contains("a-2"));
  }

  @Test
  void anAckedMessageStoredAtAnotherSeqThanItsAckNamedIsMismatched() {
    acks.add(new Ack("a", "a-1", G, 3, 50, true));

    Report r = check();

    assertThat(r.mismatched()).isEqualTo(1);
    assertThat(r.lost()).isZero();
    assertThat(r.ok()).isFalse();
  }

  @Test
  void aRetryAckedAsDuplicateWithTheOriginalSeqIsFine() {
    acks.add(new Ack("b", "b-2", D, 2, 60, true));

    Report r = check();

    assertThat(r.ok()).as(r.examples().toString()).isTrue();
    assertThat(r.acked()).isEqualTo(5);
    assertThat(r.storedUnacked()).isZero();
  }

  @Test
  void oneClientMessageIdStoredTwiceIsADuplicate() {
    history.add(new Stored(G, 5, "a", "a-1"));

    Report r = check();

    assertThat(r.duplicates()).isEqualTo(1);
    assertThat(r.gaps()).isZero();
    assertThat(r.ok()).isFalse();
  }

  @Test
  void theSameClientMessageIdOfTwoSendersIsNoDuplicate() {
    history.add(new Stored(G, 5, "b", "a-1"));

    assertThat(check().duplicates()).isZero();
  }

  @Test
  void aSkippedSeqIsAGap() {
    replaceStored(2, D, new Stored(D, 3, "b", "b-2"));

    Report r = check();

    assertThat(r.gaps()).isEqualTo(1);
    assertThat(r.lost()).isZero();
    assertThat(r.ok()).isFalse();
    assertThat(r.examples()).anyMatch(e -> e.contains("d:a:b has no seq 2"));
  }

  @Test
  void twoMessagesAtOneSeqAreARepeatedSeq() {
    history.add(new Stored(D, 2, "a", "a-4"));

    Report r = check();

    assertThat(r.repeatedSeqs()).isEqualTo(1);
    assertThat(r.ok()).isFalse();
  }

  @Test
  void aSendIssuedAfterAnEarlierAckButStoredBeforeItIsReordered() {
    // a-2 left after a-1 was acked (30 > 20), yet it sits before a-1.
    replaceStored(2, G, new Stored(G, 2, "a", "a-2"));
    replaceStored(4, G, new Stored(G, 4, "a", "a-1"));
    acks.removeIf(a -> a.sender().equals("a") && a.conversation().equals(G));
    acks.add(new Ack("a", "a-2", G, 2, 35, false));
    acks.add(new Ack("a", "a-1", G, 4, 20, false));

    Report r = check();

    assertThat(r.reordered()).isEqualTo(1);
    assertThat(r.ok()).isFalse();
    assertThat(r.examples()).anyMatch(e -> e.startsWith("reordered:") && e.contains("a-2"));
  }

  @Test
  void pipelinedSendsInFlightTogetherHaveNoOrderToKeep() {
    // a-2 left at 15, before a-1's ack at 20: the server may store them either way.
    sends.removeIf(s -> s.clientMsgId().equals("a-2"));
    sends.add(new Send("a", "a-2", G, 15));
    replaceStored(2, G, new Stored(G, 2, "a", "a-2"));
    replaceStored(4, G, new Stored(G, 4, "a", "a-1"));
    acks.removeIf(a -> a.sender().equals("a") && a.conversation().equals(G));
    acks.add(new Ack("a", "a-2", G, 2, 35, false));
    acks.add(new Ack("a", "a-1", G, 4, 20, false));
    deliveries.removeIf(d -> d.clientMsgId().equals("a-1"));

    Report r = check();

    assertThat(r.reordered()).isZero();
    assertThat(r.ok()).as(r.examples().toString()).isTrue();
  }

  @Test
  void theOrderOfDifferentSendersIsNotTheirs() {
    // b-1 acked at 25; a-2 (issued 30) by another sender could come earlier: only a's order counts.
    acks.removeIf(a -> a.clientMsgId().equals("b-1") || a.clientMsgId().equals("a-2"));
    replaceStored(3, G, new Stored(G, 3, "a", "a-2"));
    replaceStored(4, G, new Stored(G, 4, "b", "b-1"));
    acks.add(new Ack("b", "b-1", G, 4, 25, false));
    acks.add(new Ack("a", "a-2", G, 3, 35, false));

    assertThat(check().reordered()).isZero();
  }

  @Test
  void aMessagePushedToANonMemberIsAStrayDelivery() {
    deliveries.add(new Delivery("c", D, 1, "a-3"));

    Report r = check();

    assertThat(r.strayDeliveries()).isEqualTo(1);
    assertThat(r.ok()).isFalse();
  }

  @Test
  void aStoredMessageFromANonMemberIsCounted() {
    history.add(new Stored(D, 3, "c", "c-1"));

    Report r = check();

    assertThat(r.nonMemberMessages()).isEqualTo(1);
    assertThat(r.ok()).isFalse();
  }

  @Test
  void aMessagePushedButNotInHistoryIsAPhantomDelivery() {
    deliveries.add(new Delivery("b", G, 9, "a-9"));
    deliveries.add(new Delivery("b", G, 3, "a-8"));

    Report r = check();

    assertThat(r.phantomDeliveries()).isEqualTo(2);
    assertThat(r.ok()).isFalse();
  }

  @Test
  void twoSendsWithOneClientMessageIdAreABugOfTheCaller() {
    sends.add(new Send("a", "a-1", G, 99));

    assertThatThrownBy(this::check).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void examplesAreCappedPerKind() {
    for (int i = 10; i < 30; i++) {
      acks.add(new Ack("a", "x-" + i, G, i, 1, false));
    }

    Report r = check();

    assertThat(r.lost()).isEqualTo(20);
    assertThat(r.examples()).hasSize(5);
    assertThat(r.fields()).containsEntry("lost", 20L).containsKeys("acked", "reordered");
  }
}
