package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.User;
import dev.warbler.core.groups.Group;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.ReactionCount;
import dev.warbler.core.messaging.SendOptions;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.ChangeRequest;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.Stores;
import dev.warbler.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link MessageLifecycleStore} promises, next to the {@link MessageStore} it
 * shares a database with: changes applied to the target together with their CHANGE entry, in the
 * conversation's seq stream, idempotent, durable; per-user hidden messages and reactions. A store
 * kind's test extends this class and says how to open its bundle over a directory ({@link
 * #openStores}). Tests only use the public ports.
 */
public abstract class LifecycleStoreContract<S extends Stores> extends BundleContract<S> {
  protected static final Duration WAIT = Duration.ofSeconds(30);
  protected static final String APP = "acme";

  private static final ConversationId TEAM = ConversationId.group("team");
  private static final ConversationId ALICE_BOB = ConversationId.direct("alice", "bob");
  private static final int ALL = 10_000;
  private static final long T0 = 1_767_225_600_000L;

  private final AtomicLong counter = new AtomicLong();

  @BeforeEach
  protected final void createTheTeam() {
    GroupFixtures.create(
        stores().groups(),
        new Group(APP, "team", "Team", "amy", T0),
        List.of("amy", "bob", "carl"));
  }

  // ---- recall ------------------------------------------------------------------------------

  @Test
  void aRecallClearsTheTargetAndAppendsAChangeEntryAsTheNextSeq() {
    send(TEAM, "amy", new SendOptions(0, List.of("bob"), false, ""));
    send(TEAM, "bob", SendOptions.NONE);

    AppendResult r = change(TEAM, 1, "amy", new ChangeRequest.Kind.Recall());

    assertThat(r.duplicate()).isFalse();
    ChatMessage entry = r.message();
    assertThat(entry.seq()).isEqualTo(3);
    assertThat(entry.type()).isEqualTo(MessageType.CHANGE);
    assertThat(entry.sender()).isEqualTo("amy");
    assertThat(entry.extras().change())
        .contains(new MessageChange(1, new MessageChange.Action.Recall()));
    ChatMessage recalled = stores().messages().message(APP, TEAM, 1).orElseThrow();
    assertThat(recalled.extras().recalled()).isTrue();
    assertThat(recalled.text()).isEmpty();
    assertThat(recalled.payload()).isEmpty();
    assertThat(recalled.extras().mentions()).isEmpty();
    assertThat(stores().messages().after(APP, TEAM, 0, ALL).messages())
        .extracting(ChatMessage::seq)
        .containsExactly(1L, 2L, 3L);
    assertThat(stores().messages().after(APP, TEAM, 2, ALL).messages()).containsExactly(entry);
  }

  @Test
  void recallingARecalledMessageAppendsNothingAndReturnsTheTargetAsDuplicate() {
    send(TEAM, "amy", SendOptions.NONE);
    change(TEAM, 1, "amy", new ChangeRequest.Kind.Recall());

    AppendResult again = change(TEAM, 1, "bob", new ChangeRequest.Kind.Recall());

    assertThat(again.duplicate()).isTrue();
    assertThat(again.message()).isEqualTo(stores().messages().message(APP, TEAM, 1).orElseThrow());
    assertThat(state("carl", TEAM).lastSeq()).isEqualTo(2);
  }

  @Test
  void aRecallRemovesTheMentionAndTheReactionsOfTheTarget() {
    send(TEAM, "amy", new SendOptions(0, List.of("bob"), true, ""));
    change(TEAM, 1, "carl", react("👍", false));
    assertThat(state("bob", TEAM).mentioned()).isTrue();

    change(TEAM, 1, "amy", new ChangeRequest.Kind.Recall());

    assertThat(state("bob", TEAM).mentioned()).isFalse();
    assertThat(state("carl", TEAM).mentioned()).isFalse();
    assertThat(stores().messages().message(APP, TEAM, 1).orElseThrow().extras().reactions())
        .isEmpty();
    assertThat(stores().lifecycle().reactionsOf(APP, "carl", TEAM, 1, 1)).isEmpty();
  }

  // ---- edit --------------------------------------------------------------------------------

  @Test
  void anEditReplacesTextAndPayloadAndRecordsTheEditTime() {
    send(TEAM, "amy", SendOptions.NONE);

    AppendResult r =
        change(TEAM, 1, "amy", new ChangeRequest.Kind.Edit("fixed ✓", "{\"k\":1}"), T0 + 500);

    assertThat(r.message().extras().change())
        .contains(
            new MessageChange(1, new MessageChange.Action.Edit("fixed ✓", "{\"k\":1}", T0 + 500)));
    assertThat(r.message().text()).isEmpty();
    ChatMessage edited = stores().messages().message(APP, TEAM, 1).orElseThrow();
    assertThat(edited.text()).isEqualTo("fixed ✓");
    assertThat(edited.payload()).isEqualTo("{\"k\":1}");
    assertThat(edited.extras().editedAt()).isEqualTo(T0 + 500);
    assertThat(stores().messages().after(APP, TEAM, 1, ALL).messages())
        .containsExactly(r.message());
  }

  @Test
  void aRetriedEditChangesNothingAndAppendsNoSecondEntry() {
    send(TEAM, "amy", SendOptions.NONE);
    AppendResult first = change(TEAM, 1, "amy", new ChangeRequest.Kind.Edit("fixed", ""), T0 + 500);

    AppendResult again = change(TEAM, 1, "amy", new ChangeRequest.Kind.Edit("fixed", ""), T0 + 900);

    assertThat(first.duplicate()).isFalse();
    assertThat(again.duplicate()).isTrue();
    assertThat(stores().messages().after(APP, TEAM, 1, ALL).messages())
        .containsExactly(first.message());
    assertThat(stores().messages().message(APP, TEAM, 1).orElseThrow().extras().editedAt())
        .isEqualTo(T0 + 500);
  }

  @Test
  void editingOrReactingToARecalledMessageIsForbiddenAndAppendsNothing() {
    send(TEAM, "amy", SendOptions.NONE);
    change(TEAM, 1, "amy", new ChangeRequest.Kind.Recall());

    assertFails(
        () -> change(TEAM, 1, "amy", new ChangeRequest.Kind.Edit("again", "")),
        ErrorCode.FORBIDDEN);
    assertFails(() -> change(TEAM, 1, "bob", react("👍", false)), ErrorCode.FORBIDDEN);

    assertThat(state("carl", TEAM).lastSeq()).isEqualTo(2);
    assertThat(send(TEAM, "bob", SendOptions.NONE).seq()).isEqualTo(3);
  }

  // ---- reactions ---------------------------------------------------------------------------

  @Test
  void reactionsAreCountedPerEmojiInFirstReactionOrder() {
    send(TEAM, "amy", SendOptions.NONE);

    AppendResult a = change(TEAM, 1, "amy", react("👍", false));
    change(TEAM, 1, "bob", react("❤️", false));
    AppendResult c = change(TEAM, 1, "carl", react("👍", false));

    assertThat(a.message().extras().change())
        .contains(new MessageChange(1, new MessageChange.Action.Reaction("👍", true, 1)));
    assertThat(c.message().extras().change())
        .contains(new MessageChange(1, new MessageChange.Action.Reaction("👍", true, 2)));
    assertThat(stores().messages().message(APP, TEAM, 1).orElseThrow().extras().reactions())
        .containsExactly(new ReactionCount("👍", 2, false), new ReactionCount("❤️", 1, false));
  }

  @Test
  void aUserReactsOncePerEmojiAndRemovingWhatIsNotThereChangesNothing() {
    send(TEAM, "amy", SendOptions.NONE);
    change(TEAM, 1, "bob", react("👍", false));
    change(TEAM, 1, "carl", react("👍", false));

    AppendResult twice = change(TEAM, 1, "bob", react("👍", false));
    AppendResult removed = change(TEAM, 1, "bob", react("👍", true));
    AppendResult removedAgain = change(TEAM, 1, "bob", react("👍", true));
    AppendResult lastGone = change(TEAM, 1, "carl", react("👍", true));

    assertThat(twice.duplicate()).isTrue();
    assertThat(twice.message().seq()).isEqualTo(1);
    assertThat(removed.duplicate()).isFalse();
    assertThat(removed.message().extras().change())
        .contains(new MessageChange(1, new MessageChange.Action.Reaction("👍", false, 1)));
    assertThat(removedAgain.duplicate()).isTrue();
    assertThat(lastGone.message().extras().change())
        .contains(new MessageChange(1, new MessageChange.Action.Reaction("👍", false, 0)));
    assertThat(stores().messages().message(APP, TEAM, 1).orElseThrow().extras().reactions())
        .isEmpty();
    assertThat(state("amy", TEAM).lastSeq()).isEqualTo(5);
  }

  @Test
  void aNewEmojiBeyondTheKindLimitFailsWithLimitExceededButAKnownOneStillCounts() {
    send(TEAM, "amy", SendOptions.NONE);
    change(TEAM, 1, "amy", new ChangeRequest.Kind.React("a", false, 2));
    change(TEAM, 1, "amy", new ChangeRequest.Kind.React("b", false, 2));

    assertFails(
        () -> change(TEAM, 1, "bob", new ChangeRequest.Kind.React("c", false, 2)),
        ErrorCode.LIMIT_EXCEEDED);
    AppendResult known = change(TEAM, 1, "bob", new ChangeRequest.Kind.React("a", false, 2));

    assertThat(known.message().seq()).isEqualTo(4);
    assertThat(stores().messages().message(APP, TEAM, 1).orElseThrow().extras().reactions())
        .containsExactly(new ReactionCount("a", 2, false), new ReactionCount("b", 1, false));
  }

  @Test
  void reactionsOfListsOnlyTheUsersOwnReactionsWithinTheRange() {
    for (int i = 0; i < 3; i++) {
      send(TEAM, "amy", SendOptions.NONE);
    }
    change(TEAM, 1, "bob", react("👍", false));
    change(TEAM, 2, "bob", react("👍", false));
    change(TEAM, 2, "bob", react("🎉", false));
    change(TEAM, 3, "bob", react("👍", false));
    change(TEAM, 2, "carl", react("😮", false));

    assertThat(stores().lifecycle().reactionsOf(APP, "bob", TEAM, 2, 3))
        .isEqualTo(Map.of(2L, Set.of("👍", "🎉"), 3L, Set.of("👍")));
    assertThat(stores().lifecycle().reactionsOf(APP, "amy", TEAM, 1, 3)).isEmpty();
  }

  // ---- the seq stream ----------------------------------------------------------------------

  @Test
  void changeEntriesAreNotUnreadAndDoNotMoveTheActorsReadPosition() {
    send(ALICE_BOB, "alice", SendOptions.NONE);
    send(ALICE_BOB, "alice", SendOptions.NONE);

    change(ALICE_BOB, 1, "bob", react("👍", false));
    change(ALICE_BOB, 2, "alice", new ChangeRequest.Kind.Edit("edited", ""));

    ConversationState bob = state("bob", ALICE_BOB);
    assertThat(bob.lastSeq()).isEqualTo(4);
    assertThat(bob.readSeq()).isZero();
    assertThat(bob.unread()).isEqualTo(2);
    ConversationState alice = state("alice", ALICE_BOB);
    assertThat(alice.readSeq()).isEqualTo(2);
    assertThat(alice.unread()).isZero();
    assertThat(alice.lastMessage().map(ChatMessage::seq)).contains(2L);
    assertThat(alice.lastMessage().map(ChatMessage::text)).contains("edited");
  }

  @Test
  void aChangeMovesTheConversationInSyncForEveryMember() {
    send(TEAM, "amy", SendOptions.NONE);
    long bobCursor = stores().messages().changedSince(APP, "bob", 0, 10).cursor();
    long amyCursor = stores().messages().changedSince(APP, "amy", 0, 10).cursor();

    change(TEAM, 1, "carl", react("👍", false));

    for (String user : List.of("bob", "amy")) {
      SyncPage page =
          stores()
              .messages()
              .changedSince(APP, user, user.equals("bob") ? bobCursor : amyCursor, 10);
      assertThat(page.conversations())
          .extracting(ConversationState::conversation)
          .containsExactly(TEAM);
      assertThat(page.conversations().get(0).lastSeq()).isEqualTo(2);
      assertThat(page.conversations().get(0).lastMessage().map(ChatMessage::seq)).contains(1L);
    }
  }

  @Test
  void aRefusedChangeLeavesNoEntryAndNoGapInTheSeqs() {
    send(TEAM, "amy", SendOptions.NONE);

    assertFails(
        () -> change(TEAM, 7, "amy", new ChangeRequest.Kind.Recall()), ErrorCode.MESSAGE_NOT_FOUND);
    AppendResult entry = change(TEAM, 1, "amy", react("👍", false));
    assertFails(
        () -> change(TEAM, entry.message().seq(), "amy", new ChangeRequest.Kind.Recall()),
        ErrorCode.INVALID_ARGUMENT);
    assertFails(
        () -> change(ConversationId.group("other"), 1, "amy", new ChangeRequest.Kind.Recall()),
        ErrorCode.MESSAGE_NOT_FOUND);

    assertThat(send(TEAM, "bob", SendOptions.NONE).seq()).isEqualTo(3);
    assertThat(stores().messages().after(APP, TEAM, 0, ALL).messages())
        .extracting(ChatMessage::seq)
        .containsExactly(1L, 2L, 3L);
  }

  @Test
  void changesSurviveAReopen() throws Exception {
    send(TEAM, "amy", SendOptions.NONE);
    send(TEAM, "bob", SendOptions.NONE);
    change(TEAM, 1, "amy", new ChangeRequest.Kind.Recall());
    change(TEAM, 2, "bob", new ChangeRequest.Kind.Edit("v2", ""), T0 + 9);
    change(TEAM, 2, "carl", react("👍", false));
    List<ChatMessage> before = stores().messages().after(APP, TEAM, 0, ALL).messages();
    stores().lifecycle().hide(APP, "carl", TEAM, 2);

    reopen();

    assertThat(stores().messages().after(APP, TEAM, 0, ALL).messages()).isEqualTo(before);
    ChatMessage second = stores().messages().message(APP, TEAM, 2).orElseThrow();
    assertThat(second.text()).isEqualTo("v2");
    assertThat(second.extras().editedAt()).isEqualTo(T0 + 9);
    assertThat(second.extras().reactions()).containsExactly(new ReactionCount("👍", 1, false));
    assertThat(stores().messages().message(APP, TEAM, 1).orElseThrow().extras().recalled())
        .isTrue();
    assertThat(stores().lifecycle().hidden(APP, "carl", TEAM, List.of(1L, 2L))).containsExactly(2L);
    assertThat(stores().lifecycle().reactionsOf(APP, "carl", TEAM, 1, 2))
        .isEqualTo(Map.of(2L, Set.of("👍")));
  }

  // ---- delete for me -----------------------------------------------------------------------

  @Test
  void hidingIsPerUserIdempotentAndLeavesTheMessageForOthers() {
    ChatMessage first = send(TEAM, "amy", SendOptions.NONE);
    send(TEAM, "amy", SendOptions.NONE);

    assertThat(stores().lifecycle().hide(APP, "bob", TEAM, 1)).isTrue();
    assertThat(stores().lifecycle().hide(APP, "bob", TEAM, 1)).isFalse();

    assertThat(stores().lifecycle().hidden(APP, "bob", TEAM, List.of(1L, 2L, 3L)))
        .containsExactly(1L);
    assertThat(stores().lifecycle().hidden(APP, "carl", TEAM, List.of(1L, 2L))).isEmpty();
    assertThat(stores().lifecycle().hidden(APP, "bob", ALICE_BOB, List.of(1L))).isEmpty();
    assertThat(stores().lifecycle().hidden(APP, "bob", TEAM, List.of())).isEmpty();
    assertThat(stores().messages().message(APP, TEAM, 1)).contains(first);
  }

  @Test
  void deletingAUserErasesWhatItHidButKeepsItsMessagesAndReactionsForTheOthers() {
    stores().directory().createUser(new User(APP, "bob", "Bob", T0));
    stores().directory().createUser(new User(APP, "carl", "Carl", T0));
    send(TEAM, "amy", SendOptions.NONE);
    ChatMessage bobs = send(TEAM, "bob", SendOptions.NONE);
    stores().lifecycle().hide(APP, "bob", TEAM, 1);
    stores().lifecycle().hide(APP, "carl", TEAM, 1);
    change(TEAM, 1, "bob", react("👍", false));

    assertThat(stores().directory().deleteUser(APP, "bob", T0 + 100)).isTrue();

    assertThat(stores().lifecycle().hidden(APP, "bob", TEAM, List.of(1L, 2L))).isEmpty();
    assertThat(stores().lifecycle().hidden(APP, "carl", TEAM, List.of(1L, 2L))).containsExactly(1L);
    assertThat(stores().messages().message(APP, TEAM, 2)).contains(bobs);
    assertThat(stores().messages().message(APP, TEAM, 1).orElseThrow().extras().reactions())
        .extracting(ReactionCount::emoji, ReactionCount::count)
        .containsExactly(tuple("👍", 1L));
  }

  @Test
  void hiddenAnswersForLongListsOfSeqs() {
    for (long seq = 1; seq <= 2_500; seq += 100) {
      stores().lifecycle().hide(APP, "bob", TEAM, seq);
    }
    List<Long> seqs = new ArrayList<>();
    for (long seq = 1; seq <= 2_500; seq++) {
      seqs.add(seq);
    }

    assertThat(stores().lifecycle().hidden(APP, "bob", TEAM, seqs))
        .hasSize(25)
        .contains(1L, 2_401L);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private ChatMessage send(ConversationId conversation, String sender, SendOptions options) {
    long n = counter.incrementAndGet();
    NewMessage m =
        new NewMessage(
            APP,
            conversation,
            "msg-" + n,
            "c-" + n,
            sender,
            MessageType.TEXT,
            "text " + n,
            "",
            T0 + n,
            options);
    return resultOf(stores().messages().append(m)).message();
  }

  private AppendResult change(
      ConversationId conversation, long seq, String actor, ChangeRequest.Kind kind) {
    return change(conversation, seq, actor, kind, T0 + counter.incrementAndGet());
  }

  private AppendResult change(
      ConversationId conversation, long seq, String actor, ChangeRequest.Kind kind, long at) {
    long n = counter.incrementAndGet();
    return resultOf(
        stores()
            .lifecycle()
            .change(new ChangeRequest(APP, conversation, seq, actor, "chg-" + n, at, kind)));
  }

  private static ChangeRequest.Kind react(String emoji, boolean remove) {
    return new ChangeRequest.Kind.React(emoji, remove, 50);
  }

  private ConversationState state(String user, ConversationId conversation) {
    return stores()
        .messages()
        .state(APP, user, conversation)
        .orElseThrow(() -> new AssertionError(user + " is not a member of " + conversation));
  }

  private static void assertFails(Runnable call, ErrorCode code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(WarblerException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  private static <T> T resultOf(CompletableFuture<T> future) {
    try {
      return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new AssertionError("store call failed", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("store call did not complete within " + WAIT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
