package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.groups.Group;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.SendOptions;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.Stores;
import dev.warbler.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link MessageStore} and {@link DirectoryStore} promises, written once and
 * run against every implementation. A store kind's test extends this class and says how to open its
 * bundle over a directory ({@link #openStores}); opening the same directory again must see the same
 * data, which is how durability across a restart is checked.
 *
 * <p>Each test gets a fresh directory and an open bundle ({@link #stores()}); it is closed after
 * the test. Tests only use the public ports, never the implementation.
 */
public abstract class StoreContract<S extends Stores> extends BundleContract<S> {
  /** Upper bound on waiting for one store result; a hung future fails the test, not the build. */
  protected static final Duration WAIT = Duration.ofSeconds(30);

  protected static final String APP = "acme";
  protected static final String OTHER_APP = "globex";

  /** Larger than any conversation a test builds, so one page reads everything. */
  private static final int ALL = 10_000;

  private static final ConversationId ALICE_BOB = ConversationId.direct("alice", "bob");

  private final AtomicLong counter = new AtomicLong();

  /** The message store under test. */
  protected final MessageStore messages() {
    return stores().messages();
  }

  /** The directory store under test. */
  protected final DirectoryStore directory() {
    return stores().directory();
  }

  // ---- seq ---------------------------------------------------------------------------------

  @Test
  void theFirstMessageOfAConversationGetsSeqOneAndIsStoredAsSent() {
    NewMessage first = message(ALICE_BOB, "alice");
    NewMessage second = message(ALICE_BOB, "bob");

    AppendResult r1 = append(first);
    AppendResult r2 = append(second);

    assertThat(r1.duplicate()).isFalse();
    assertThat(r1.message()).isEqualTo(stored(first, 1));
    assertThat(r2.duplicate()).isFalse();
    assertThat(r2.message()).isEqualTo(stored(second, 2));
    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .containsExactly(r1.message(), r2.message());
  }

  @Test
  void messageFieldsRoundTripIncludingEmptyAndUnicodeText() {
    NewMessage custom =
        new NewMessage(
            APP,
            ALICE_BOB,
            nextId(),
            "client-1",
            "alice",
            MessageType.CUSTOM,
            "",
            "{\"k\":\"v ✓\"}",
            42);
    NewMessage markdown =
        new NewMessage(
            APP, ALICE_BOB, nextId(), "c2", "bob", MessageType.MARKDOWN, "*héllo* 🐦", "", 0);

    append(custom);
    append(markdown);

    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .containsExactly(stored(custom, 1), stored(markdown, 2));
  }

  @Test
  void concurrentAppendsFromManyThreadsGetGaplessUniqueSeqsInEveryConversation() throws Exception {
    createGroup(group("team", "amy"), List.of("amy", "bob"));
    List<ConversationId> conversations =
        List.of(
            ALICE_BOB,
            ConversationId.direct("alice", "carol"),
            ConversationId.group("team"),
            ConversationId.system("dave"));
    int threads = 8;
    int perThread = 200;
    List<AppendResult> results = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        tasks.add(
            pool.submit(() -> {
              start.await();
              for (int i = 0; i < perThread; i++) {
                ConversationId c = conversations.get((thread + i) % conversations.size());
                results.add(append(message(c, senderIn(c))));
              }
              return null;
            }));
      }
      start.countDown();
      for (Future<?> task : tasks) {
        task.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    }

    assertThat(results).hasSize(threads * perThread).noneMatch(AppendResult::duplicate);
    Map<ConversationId, List<ChatMessage>> byConversation =
        results.stream()
            .map(AppendResult::message)
            .collect(Collectors.groupingBy(ChatMessage::conversation));
    assertThat(byConversation).containsOnlyKeys(conversations);
    for (ConversationId c : conversations) {
      List<ChatMessage> acked = byConversation.get(c);
      assertThat(acked)
          .extracting(ChatMessage::seq)
          .containsExactlyInAnyOrderElementsOf(seqs(1, acked.size()));
      List<ChatMessage> inStore = messages().after(APP, c, 0, ALL).messages();
      assertThat(inStore)
          .extracting(ChatMessage::seq)
          .containsExactlyElementsOf(seqs(1, acked.size()));
      assertThat(inStore).containsExactlyInAnyOrderElementsOf(acked);
    }
  }

  // ---- idempotency -------------------------------------------------------------------------

  @Test
  void appendingTheSameClientMsgIdAgainReturnsTheOriginalMessageAsDuplicate() {
    NewMessage original = message(APP, ALICE_BOB, "alice", "send-1");
    AppendResult first = append(original);
    append(message(ALICE_BOB, "bob"));

    AppendResult again = append(message(APP, ALICE_BOB, "alice", "send-1"));

    assertThat(again.duplicate()).isTrue();
    assertThat(again.message()).isEqualTo(first.message());
    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .extracting(ChatMessage::id)
        .hasSize(2)
        .containsOnlyOnce(original.id());
    assertThat(lastSeq("bob", ALICE_BOB)).isEqualTo(2);
  }

  @Test
  void theSameSenderAndClientMsgIdInAnotherConversationReturnsTheOriginalMessage() {
    AppendResult first = append(message(APP, ALICE_BOB, "alice", "send-1"));

    AppendResult again =
        append(message(APP, ConversationId.direct("alice", "carol"), "alice", "send-1"));

    assertThat(again.duplicate()).isTrue();
    assertThat(again.message()).isEqualTo(first.message());
    assertThat(messages().state(APP, "carol", ConversationId.direct("alice", "carol"))).isEmpty();
  }

  @Test
  void twoIdenticalAppendsSubmittedTogetherStoreOneMessage() {
    List<CompletableFuture<AppendResult>> a = new ArrayList<>();
    List<CompletableFuture<AppendResult>> b = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      a.add(messages().append(message(APP, ALICE_BOB, "alice", "pair-" + i)));
      b.add(messages().append(message(APP, ALICE_BOB, "alice", "pair-" + i)));
    }

    for (int i = 0; i < 50; i++) {
      AppendResult first = resultOf(a.get(i));
      AppendResult second = resultOf(b.get(i));
      assertThat(first.duplicate()).as("first of pair %d", i).isFalse();
      assertThat(second.duplicate()).as("second of pair %d", i).isTrue();
      assertThat(second.message()).isEqualTo(first.message());
    }
    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .extracting(ChatMessage::seq)
        .containsExactlyElementsOf(seqs(1, 50));
  }

  @Test
  void identicalAppendsRacingFromSeveralThreadsStoreOneMessageEach() throws Exception {
    int threads = 4;
    int ids = 100;
    List<AppendResult> results = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tasks.add(
            pool.submit(() -> {
              start.await();
              for (int i = 0; i < ids; i++) {
                results.add(append(message(APP, ALICE_BOB, "alice", "race-" + i)));
              }
              return null;
            }));
      }
      start.countDown();
      for (Future<?> task : tasks) {
        task.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    }

    Map<String, List<AppendResult>> byClientId =
        results.stream().collect(Collectors.groupingBy(r -> r.message().clientMsgId()));
    assertThat(byClientId).hasSize(ids);
    byClientId.forEach((clientId, tries) -> {
      assertThat(tries).as(clientId).hasSize(threads);
      assertThat(tries).as(clientId).filteredOn(r -> !r.duplicate()).hasSize(1);
      assertThat(tries)
          .as(clientId)
          .extracting(AppendResult::message)
          .containsOnly(tries.get(0).message());
    });
    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .extracting(ChatMessage::seq)
        .containsExactlyElementsOf(seqs(1, ids));
  }

  @Test
  void theSameClientMsgIdByAnotherSenderOrInAnotherAppIsADistinctMessage() {
    AppendResult alice = append(message(APP, ALICE_BOB, "alice", "same"));
    AppendResult bob = append(message(APP, ALICE_BOB, "bob", "same"));
    AppendResult otherApp = append(message(OTHER_APP, ALICE_BOB, "alice", "same"));

    assertThat(List.of(alice, bob, otherApp)).noneMatch(AppendResult::duplicate);
    assertThat(bob.message().seq()).isEqualTo(2);
    assertThat(otherApp.message().seq()).isEqualTo(1);
    assertThat(otherApp.message().app()).isEqualTo(OTHER_APP);
    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .containsExactly(alice.message(), bob.message());
    assertThat(messages().after(OTHER_APP, ALICE_BOB, 0, ALL).messages())
        .containsExactly(otherApp.message());
  }

  // ---- order and the append listener -------------------------------------------------------

  @Test
  void futuresOfOneConversationCompleteInSeqOrder() {
    List<ConversationId> conversations =
        List.of(ALICE_BOB, ConversationId.direct("bob", "carol"), ConversationId.system("dan"));
    Map<ConversationId, List<Long>> completed = new ConcurrentHashMap<>();
    Set<String> completedIds = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<?>> all = new ArrayList<>();
    List<NewMessage> sent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ConversationId c = conversations.get(i % conversations.size());
      NewMessage m = message(c, senderIn(c));
      sent.add(m);
      // Attached right after submitting, from this one thread: if the future is already done the
      // callback runs now, before any later append is submitted, so the recorded order is real.
      all.add(
          messages()
              .append(m)
              .thenAccept(r -> {
                completed
                    .computeIfAbsent(r.message().conversation(), k -> synchronizedList())
                    .add(r.message().seq());
                completedIds.add(r.message().id());
              }));
      if (i % 10 == 9) {
        NewMessage earlier = sent.get(i / 2);
        all.add(
            messages()
                .append(
                    message(
                        earlier.app(),
                        earlier.conversation(),
                        earlier.sender(),
                        earlier.clientMsgId())));
      }
    }
    all.forEach(StoreContract::resultOf);

    for (ConversationId c : conversations) {
      assertThat(completed.get(c))
          .as("completion order in %s", c)
          .containsExactlyElementsOf(seqs(1, 100));
    }
    assertThat(completedIds).hasSize(300);
  }

  @Test
  void aDuplicateCompletesWithTheOriginalAndStoresNothing() {
    AppendResult first = append(message(APP, ALICE_BOB, "alice", "once"));

    AppendResult again = append(message(APP, ALICE_BOB, "alice", "once"));

    assertThat(again.duplicate()).isTrue();
    assertThat(again.message()).isEqualTo(first.message());
    assertThat(messages().after(APP, ALICE_BOB, 0, 10).messages()).hasSize(1);
  }

  // ---- paging ------------------------------------------------------------------------------

  @Test
  void afterReturnsOldestFirstAndSaysWhetherMoreRemain() {
    appendMany(ALICE_BOB, "alice", 10);

    assertPage(messages().after(APP, ALICE_BOB, 0, 4), seqs(1, 4), true);
    assertPage(messages().after(APP, ALICE_BOB, 4, 4), seqs(5, 8), true);
    assertPage(messages().after(APP, ALICE_BOB, 8, 4), seqs(9, 10), false);
    assertPage(messages().after(APP, ALICE_BOB, 6, 4), seqs(7, 10), false);
    assertPage(messages().after(APP, ALICE_BOB, 5, 4), seqs(6, 9), true);
    assertPage(messages().after(APP, ALICE_BOB, 0, 10), seqs(1, 10), false);
    assertPage(messages().after(APP, ALICE_BOB, 10, 4), List.of(), false);
    assertPage(messages().after(APP, ALICE_BOB, 99, 4), List.of(), false);
  }

  @Test
  void beforeReturnsTheNewestBelowTheSeqOldestFirstAndSaysWhetherOlderRemain() {
    appendMany(ALICE_BOB, "alice", 10);

    assertPage(messages().before(APP, ALICE_BOB, Long.MAX_VALUE, 4), seqs(7, 10), true);
    assertPage(messages().before(APP, ALICE_BOB, 7, 4), seqs(3, 6), true);
    assertPage(messages().before(APP, ALICE_BOB, 3, 4), seqs(1, 2), false);
    assertPage(messages().before(APP, ALICE_BOB, 5, 4), seqs(1, 4), false);
    assertPage(messages().before(APP, ALICE_BOB, 6, 4), seqs(2, 5), true);
    assertPage(messages().before(APP, ALICE_BOB, Long.MAX_VALUE, 10), seqs(1, 10), false);
    assertPage(messages().before(APP, ALICE_BOB, 11, 10), seqs(1, 10), false);
    assertPage(messages().before(APP, ALICE_BOB, 1, 4), List.of(), false);
  }

  @Test
  void pagingAConversationWithNoMessagesReturnsAnEmptyPage() {
    ConversationId nobody = ConversationId.direct("nobody", "noone");

    assertPage(messages().after(APP, nobody, 0, 10), List.of(), false);
    assertPage(messages().before(APP, nobody, Long.MAX_VALUE, 10), List.of(), false);
    assertThat(messages().after(APP, nobody, 0, 10).conversation()).isEqualTo(nobody);
  }

  // ---- sync --------------------------------------------------------------------------------

  @Test
  void changedSincePagesThroughTheUsersConversationsInChangeOrder() {
    List<ConversationId> chats = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ConversationId c = ConversationId.direct("uma", "peer" + i);
      chats.add(c);
      append(message(c, "peer" + i));
    }

    SyncPage p1 = messages().changedSince(APP, "uma", 0, 2);
    SyncPage p2 = messages().changedSince(APP, "uma", p1.cursor(), 2);
    SyncPage p3 = messages().changedSince(APP, "uma", p2.cursor(), 2);
    SyncPage p4 = messages().changedSince(APP, "uma", p3.cursor(), 2);

    assertSync(p1, chats.subList(0, 2), true);
    assertSync(p2, chats.subList(2, 4), true);
    assertSync(p3, chats.subList(4, 5), false);
    assertSync(p4, List.of(), false);
    assertThat(p1.cursor()).isPositive().isEqualTo(p1.conversations().get(1).changePosition());
    assertThat(p2.cursor()).isGreaterThan(p1.cursor());
    assertThat(p3.cursor()).isGreaterThan(p2.cursor());
    assertThat(p4.cursor()).isEqualTo(p3.cursor());
    assertSync(messages().changedSince(APP, "uma", 0, 5), chats, false);
    assertSync(messages().changedSince(APP, "uma", 0, 4), chats.subList(0, 4), true);
  }

  @Test
  void aSecondSyncWithTheReturnedCursorSeesOnlyNewerChanges() {
    ConversationId one = ConversationId.direct("uma", "peer1");
    ConversationId two = ConversationId.direct("uma", "peer2");
    ConversationId three = ConversationId.direct("uma", "peer3");
    append(message(one, "peer1"));
    append(message(two, "peer2"));
    append(message(three, "peer3"));
    SyncPage full = messages().changedSince(APP, "uma", 0, 10);

    append(message(two, "peer2"));
    append(message(one, "peer1"));
    SyncPage next = messages().changedSince(APP, "uma", full.cursor(), 10);

    assertSync(next, List.of(two, one), false);
    assertThat(next.conversations().get(0).lastSeq()).isEqualTo(2);
    assertThat(next.conversations().get(0).changePosition()).isGreaterThan(full.cursor());
    assertThat(next.cursor()).isGreaterThan(full.cursor());
    assertSync(messages().changedSince(APP, "uma", 0, 10), List.of(three, two, one), false);
    assertSync(messages().changedSince(APP, "uma", next.cursor(), 10), List.of(), false);
  }

  @Test
  void unreadIsLastSeqMinusReadSeqAndTheSenderHasReadItsOwnMessages() {
    appendMany(ALICE_BOB, "alice", 3);

    ConversationState aliceView = state("alice", ALICE_BOB);
    ConversationState bobView = state("bob", ALICE_BOB);
    assertThat(aliceView.lastSeq()).isEqualTo(3);
    assertThat(aliceView.readSeq()).isEqualTo(3);
    assertThat(aliceView.unread()).isZero();
    assertThat(bobView.lastSeq()).isEqualTo(3);
    assertThat(bobView.readSeq()).isZero();
    assertThat(bobView.unread()).isEqualTo(3);

    AppendResult reply = append(message(ALICE_BOB, "bob"));

    assertThat(state("bob", ALICE_BOB).readSeq()).isEqualTo(4);
    assertThat(state("bob", ALICE_BOB).unread()).isZero();
    assertThat(state("alice", ALICE_BOB).readSeq()).isEqualTo(3);
    assertThat(state("alice", ALICE_BOB).unread()).isEqualTo(1);
    ConversationState synced = messages().changedSince(APP, "alice", 0, 10).conversations().get(0);
    assertThat(synced.conversation()).isEqualTo(ALICE_BOB);
    assertThat(synced.lastSeq()).isEqualTo(4);
    assertThat(synced.readSeq()).isEqualTo(3);
    assertThat(synced.unread()).isEqualTo(1);
    assertThat(synced.lastMessage()).contains(reply.message());
  }

  @Test
  void lastMessageIsTheNewestMessageInStateAndInSync() {
    appendMany(ALICE_BOB, "alice", 2);
    AppendResult newest = append(message(ALICE_BOB, "alice"));

    assertThat(state("bob", ALICE_BOB).lastMessage()).contains(newest.message());
    assertThat(messages().changedSince(APP, "bob", 0, 10).conversations())
        .singleElement()
        .satisfies(s -> assertThat(s.lastMessage()).contains(newest.message()));
  }

  @Test
  void changedSinceForAUserWithNoConversationsIsEmptyAndKeepsTheCursor() {
    appendMany(ALICE_BOB, "alice", 2);

    SyncPage page = messages().changedSince(APP, "zoe", 7, 10);

    assertThat(page.conversations()).isEmpty();
    assertThat(page.cursor()).isEqualTo(7);
    assertThat(page.more()).isFalse();
  }

  // ---- direct and system conversations -----------------------------------------------------

  @Test
  void theFirstAppendToADirectConversationMakesBothUsersMembers() {
    assertThat(messages().state(APP, "alice", ALICE_BOB)).isEmpty();
    assertThat(messages().state(APP, "bob", ALICE_BOB)).isEmpty();

    append(message(ALICE_BOB, "alice"));

    assertThat(messages().state(APP, "alice", ALICE_BOB)).isPresent();
    assertThat(messages().state(APP, "bob", ALICE_BOB)).isPresent();
    assertThat(messages().state(APP, "carol", ALICE_BOB)).isEmpty();
    assertSync(messages().changedSince(APP, "alice", 0, 10), List.of(ALICE_BOB), false);
    assertSync(messages().changedSince(APP, "bob", 0, 10), List.of(ALICE_BOB), false);
    assertSync(messages().changedSince(APP, "carol", 0, 10), List.of(), false);
  }

  @Test
  void aSystemConversationHasItsOneUserAsMember() {
    ConversationId notices = ConversationId.system("dave");

    AppendResult r = append(message(notices, ""));

    assertThat(r.message().seq()).isEqualTo(1);
    assertThat(r.message().sender()).isEmpty();
    ConversationState dave = state("dave", notices);
    assertThat(dave.lastSeq()).isEqualTo(1);
    assertThat(dave.readSeq()).isZero();
    assertThat(dave.unread()).isEqualTo(1);
    assertThat(dave.lastMessage()).contains(r.message());
    assertSync(messages().changedSince(APP, "dave", 0, 10), List.of(notices), false);
    assertThat(messages().state(APP, "", notices)).isEmpty();
  }

  // ---- read positions ----------------------------------------------------------------------

  @Test
  void markReadRaisesNeverLowersAndCapsAtTheLastSeq() {
    appendMany(ALICE_BOB, "alice", 5);

    assertThat(markRead("bob", ALICE_BOB, 3).readSeq()).isEqualTo(3);
    assertThat(markRead("bob", ALICE_BOB, 2).readSeq()).isEqualTo(3);
    assertThat(state("bob", ALICE_BOB).readSeq()).isEqualTo(3);
    assertThat(state("bob", ALICE_BOB).unread()).isEqualTo(2);
    ConversationState capped = markRead("bob", ALICE_BOB, 99);
    assertThat(capped.readSeq()).isEqualTo(5);
    assertThat(capped.lastSeq()).isEqualTo(5);
    assertThat(capped.unread()).isZero();
    assertThat(state("bob", ALICE_BOB).readSeq()).isEqualTo(5);
    assertThat(state("alice", ALICE_BOB).readSeq()).isEqualTo(5);
  }

  @Test
  void markReadShowsUpInChangedSinceForTheReader() {
    appendMany(ALICE_BOB, "alice", 3);
    SyncPage before = messages().changedSince(APP, "bob", 0, 10);

    ConversationState marked = markRead("bob", ALICE_BOB, 2);
    SyncPage after = messages().changedSince(APP, "bob", before.cursor(), 10);

    assertSync(after, List.of(ALICE_BOB), false);
    ConversationState seen = after.conversations().get(0);
    assertThat(seen.readSeq()).isEqualTo(2);
    assertThat(seen.unread()).isEqualTo(1);
    assertThat(seen.changePosition()).isGreaterThan(before.cursor());
    assertThat(marked.readSeq()).isEqualTo(2);
    assertThat(marked.lastSeq()).isEqualTo(3);
  }

  @Test
  void markReadByANonMemberOrOnAnUnknownConversationReturnsEmpty() {
    appendMany(ALICE_BOB, "alice", 2);

    assertThat(messages().markRead(APP, "carol", ALICE_BOB, 1)).isEmpty();
    assertThat(messages().markRead(APP, "alice", ConversationId.direct("alice", "zed"), 1))
        .isEmpty();
    assertThat(messages().markRead(APP, "alice", ConversationId.group("nogroup"), 1)).isEmpty();
    assertThat(messages().state(APP, "carol", ALICE_BOB)).isEmpty();
  }

  // ---- one message, send options and mentions (message lifecycle) --------------------------

  @Test
  void messageReturnsOneStoredMessageBySeqAndEmptyForAnyOtherSeq() {
    AppendResult first = append(message(ALICE_BOB, "alice"));
    append(message(ALICE_BOB, "bob"));

    assertThat(messages().message(APP, ALICE_BOB, 1)).contains(first.message());
    assertThat(messages().message(APP, ALICE_BOB, 3)).isEmpty();
    assertThat(messages().message(APP, ALICE_BOB, 0)).isEmpty();
    assertThat(messages().message(OTHER_APP, ALICE_BOB, 1)).isEmpty();
    assertThat(messages().message(APP, ConversationId.direct("alice", "carol"), 1)).isEmpty();
  }

  @Test
  void replyMentionsAndForwardAreStoredWithTheMessageAndReturnedByEveryRead() {
    createGroup(group("team", "amy"), List.of("amy", "bob", "carl"));
    ConversationId team = ConversationId.group("team");
    append(message(team, "amy"));
    NewMessage reply =
        withOptions(
            message(team, "bob"),
            new SendOptions(1, List.of("amy", "carl"), true, "d:alice:bob#7"));

    AppendResult stored = append(reply);

    ChatMessage m = stored.message();
    assertThat(m.extras().replyTo()).isEqualTo(1);
    assertThat(m.extras().mentions()).containsExactly("amy", "carl");
    assertThat(m.extras().mentionAll()).isTrue();
    assertThat(m.extras().forwardedFrom()).isEqualTo("d:alice:bob#7");
    assertThat(m.extras().recalled()).isFalse();
    assertThat(m.extras().change()).isEmpty();
    assertThat(messages().message(APP, team, 2)).contains(m);
    assertThat(messages().after(APP, team, 1, ALL).messages()).containsExactly(m);
    assertThat(messages().before(APP, team, Long.MAX_VALUE, ALL).messages()).endsWith(m);
    assertThat(state("carl", team).lastMessage()).contains(m);
    assertThat(append(withOptions(message(APP, team, "bob", m.clientMsgId()), SendOptions.NONE)))
        .isEqualTo(new AppendResult(m, true));
  }

  @Test
  void mentionedIsTrueWhileAnUnreadMessageMentionsTheUserOrEveryone() {
    createGroup(group("team", "amy"), List.of("amy", "bob", "carl", "dina"));
    ConversationId team = ConversationId.group("team");
    append(message(team, "amy"));
    append(withOptions(message(team, "amy"), new SendOptions(0, List.of("bob"), false, "")));
    append(withOptions(message(team, "carl"), new SendOptions(0, List.of(), true, "")));
    append(message(team, "amy"));

    assertThat(state("bob", team).mentioned()).as("bob, mentioned by name").isTrue();
    assertThat(state("dina", team).mentioned()).as("dina, through @all").isTrue();
    assertThat(state("carl", team).mentioned()).as("carl sent the @all").isFalse();
    assertThat(messages().changedSince(APP, "bob", 0, 10).conversations().get(0).mentioned())
        .isTrue();

    assertThat(markRead("bob", team, 1).mentioned()).as("bob read up to his mention").isTrue();
    assertThat(markRead("bob", team, 2).mentioned()).as("bob read his mention, not @all").isTrue();
    assertThat(markRead("bob", team, 3).mentioned()).isFalse();
    assertThat(markRead("dina", team, 3).mentioned()).isFalse();
    assertThat(state("dina", team).unread()).isEqualTo(1);
  }

  // ---- groups ------------------------------------------------------------------------------

  @Test
  void groupMessagesAreStoredOnceAndCountAsUnreadForEveryOtherMember() {
    ConversationId team = ConversationId.group("team");
    createGroup(group("team", "amy"), List.of("amy", "bob", "carl"));
    assertThat(state("bob", team).lastSeq()).isZero();

    AppendResult r = append(message(team, "amy"));

    assertThat(messages().after(APP, team, 0, ALL).messages()).containsExactly(r.message());
    assertThat(state("amy", team).unread()).isZero();
    for (String member : List.of("bob", "carl")) {
      assertThat(state(member, team).unread()).isEqualTo(1);
      assertSync(messages().changedSince(APP, member, 0, 10), List.of(team), false);
    }
  }

  @Test
  void aRemovedMemberNoLongerSeesTheGroupAndAnAddedMemberDoes() {
    ConversationId team = ConversationId.group("team");
    createGroup(group("team", "amy"), List.of("amy", "bob"));
    append(message(team, "amy"));
    append(message(ConversationId.direct("carl", "dora"), "dora"));
    long carlCursor = messages().changedSince(APP, "carl", 0, 10).cursor();
    long bobCursor = messages().changedSince(APP, "bob", 0, 10).cursor();

    addMembers(APP, "team", List.of("carl"));
    removeMembers(APP, "team", List.of("bob"));
    append(message(team, "amy"));

    SyncPage carl = messages().changedSince(APP, "carl", carlCursor, 10);
    assertSync(carl, List.of(team), false);
    assertThat(carl.conversations().get(0).lastSeq()).isEqualTo(2);
    assertThat(carl.conversations().get(0).unread()).isEqualTo(2);
    assertThat(messages().state(APP, "carl", team)).isPresent();
    assertSync(messages().changedSince(APP, "bob", bobCursor, 10), List.of(), false);
    assertSync(messages().changedSince(APP, "bob", 0, 10), List.of(), false);
    assertThat(messages().state(APP, "bob", team)).isEmpty();
    assertThat(messages().markRead(APP, "bob", team, 1)).isEmpty();
  }

  @Test
  void anAddedMemberSeesTheGroupInSyncEvenBeforeItsFirstMessage() {
    ConversationId team = ConversationId.group("team");
    append(message(ConversationId.direct("carl", "dora"), "dora"));
    long cursor = messages().changedSince(APP, "carl", 0, 10).cursor();
    createGroup(group("team", "amy"), List.of("amy"));

    addMembers(APP, "team", List.of("carl"));

    SyncPage page = messages().changedSince(APP, "carl", cursor, 10);
    assertSync(page, List.of(team), false);
    assertThat(page.conversations().get(0).lastSeq()).isZero();
    assertThat(page.conversations().get(0).lastMessage()).isEmpty();
  }

  @Test
  void aMembershipChangeMovesTheGroupForItsOtherMembers() {
    ConversationId team = ConversationId.group("team");
    createGroup(group("team", "amy"), List.of("amy", "bob"));
    long cursor = messages().changedSince(APP, "amy", 0, 10).cursor();

    addMembers(APP, "team", List.of("carl"));
    SyncPage afterAdd = messages().changedSince(APP, "amy", cursor, 10);
    removeMembers(APP, "team", List.of("bob"));
    SyncPage afterRemove = messages().changedSince(APP, "amy", afterAdd.cursor(), 10);
    directory().createUser(new User(APP, "carl", "Carl", 1));
    directory().deleteUser(APP, "carl", 2);
    SyncPage afterDelete = messages().changedSince(APP, "amy", afterRemove.cursor(), 10);

    assertSync(afterAdd, List.of(team), false);
    assertSync(afterRemove, List.of(team), false);
    assertSync(afterDelete, List.of(team), false);
    assertThat(afterDelete.cursor()).isGreaterThan(afterRemove.cursor());
    assertThat(afterRemove.cursor()).isGreaterThan(afterAdd.cursor());
  }

  @Test
  void aSyncPagedOneByOneSeesEveryGroupADeletedUserLeft() {
    List<ConversationId> groups = new ArrayList<>();
    for (String g : List.of("g1", "g2", "g3")) {
      createGroup(group(g, "amy"), List.of("amy", "bob"));
      groups.add(ConversationId.group(g));
    }
    directory().createUser(new User(APP, "bob", "Bob", 1));
    long cursor = messages().changedSince(APP, "amy", 0, 10).cursor();

    assertThat(directory().deleteUser(APP, "bob", 2)).isTrue();

    List<ConversationId> seen = new ArrayList<>();
    SyncPage page;
    do {
      page = messages().changedSince(APP, "amy", cursor, 1);
      page.conversations().forEach(s -> seen.add(s.conversation()));
      cursor = page.cursor();
    } while (page.more());
    assertThat(seen).containsExactlyInAnyOrderElementsOf(groups);
  }

  @Test
  void deleteUserRemovesItsGroupMembershipsKeepsItsMessagesAndReturnsFalseTheSecondTime() {
    ConversationId team = ConversationId.group("team");
    ConversationId club = ConversationId.group("club");
    User bob = new User(APP, "bob", "Bob", 1);
    assertThat(directory().createUser(bob)).isTrue();
    createGroup(group("team", "amy"), List.of("amy", "bob"));
    createGroup(group("club", "bob"), List.of("bob", "carl"));
    AppendResult said = append(message(team, "bob"));

    assertThat(directory().deleteUser(APP, "bob", 2)).isTrue();

    assertThat(directory().user(APP, "bob")).isEmpty();
    assertThat(members(APP, "team")).containsExactly("amy");
    assertThat(members(APP, "club")).containsExactly("carl");
    assertThat(messages().state(APP, "bob", team)).isEmpty();
    assertThat(messages().state(APP, "bob", club)).isEmpty();
    assertThat(messages().changedSince(APP, "bob", 0, 10).conversations())
        .extracting(ConversationState::conversation)
        .doesNotContain(team, club);
    assertThat(messages().after(APP, team, 0, ALL).messages()).containsExactly(said.message());
    assertThat(directory().deleteUser(APP, "bob", 2)).isFalse();
    assertThat(directory().deleteUser(APP, "never", 2)).isFalse();
  }

  // ---- deleted users: retired ids (ADR 0014) ------------------------------------------------

  @Test
  void aDeletedUsersIdIsRetiredForGoodInThatAppOnly() throws Exception {
    assertThat(directory().createUser(new User(APP, "zed", "Zed", 1))).isTrue();
    assertThat(directory().retired(APP, "zed")).isFalse();

    assertThat(directory().deleteUser(APP, "zed", 2)).isTrue();

    assertThat(directory().retired(APP, "zed")).isTrue();
    assertThat(directory().createUser(new User(APP, "zed", "Another Zed", 3))).isFalse();
    assertThat(directory().user(APP, "zed")).isEmpty();
    assertThat(directory().deleteUser(APP, "zed", 4)).isFalse();
    assertThat(directory().retired(OTHER_APP, "zed")).isFalse();
    assertThat(directory().createUser(new User(OTHER_APP, "zed", "Zed of Globex", 5))).isTrue();
    assertThat(directory().deleteUser(APP, "never", 6)).isFalse();
    assertThat(directory().retired(APP, "never")).isFalse();
    assertThat(directory().createUser(new User(APP, "never", "Never", 7))).isTrue();

    reopen();

    assertThat(directory().retired(APP, "zed")).isTrue();
    assertThat(directory().createUser(new User(APP, "zed", "Zed again", 8))).isFalse();
    assertThat(directory().user(APP, "zed")).isEmpty();
    assertThat(directory().user(OTHER_APP, "zed")).isPresent();
  }

  @Test
  void aCreateRacingWithTheDeleteOfTheSameIdNeverBringsTheIdBack() throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      for (int i = 0; i < 100; i++) {
        String id = "racer" + i;
        assertThat(directory().createUser(new User(APP, id, id, 1))).isTrue();
        CountDownLatch go = new CountDownLatch(1);
        Future<Boolean> delete =
            pool.submit(() -> {
              go.await();
              return directory().deleteUser(APP, id, 2);
            });
        Future<Boolean> create =
            pool.submit(() -> {
              go.await();
              return directory().createUser(new User(APP, id, "again", 3));
            });
        go.countDown();

        assertThat(delete.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as(id).isTrue();
        assertThat(create.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as(id).isFalse();
        assertThat(directory().user(APP, id)).as(id).isEmpty();
        assertThat(directory().retired(APP, id)).as(id).isTrue();
      }
    }
  }

  @Test
  void deleteUserErasesItsStateOfDirectAndSystemConversationsAndKeepsTheOthersHistory() {
    ConversationId direct = ConversationId.direct("alice", "zed");
    ConversationId system = ConversationId.system("zed");
    directory().createUser(new User(APP, "alice", "Alice", 1));
    directory().createUser(new User(APP, "zed", "Zed", 1));
    AppendResult hi = append(message(direct, "zed"));
    AppendResult reply = append(message(direct, "alice"));
    AppendResult code = append(message(system, ""));
    markRead("zed", direct, 2);
    long cursor = messages().changedSince(APP, "alice", 0, 10).cursor();

    assertThat(directory().deleteUser(APP, "zed", 9)).isTrue();

    assertThat(messages().state(APP, "zed", direct)).isEmpty();
    assertThat(messages().state(APP, "zed", system)).isEmpty();
    assertThat(messages().markRead(APP, "zed", direct, 2)).isEmpty();
    assertThat(messages().changedSince(APP, "zed", 0, 10).conversations()).isEmpty();
    assertThat(messages().after(APP, direct, 0, ALL).messages())
        .containsExactly(hi.message(), reply.message());
    assertThat(messages().after(APP, system, 0, ALL).messages()).containsExactly(code.message());
    assertThat(state("alice", direct).lastSeq()).isEqualTo(2);
    assertThat(state("alice", direct).readSeq()).isEqualTo(2);
    assertSync(messages().changedSince(APP, "alice", cursor, 10), List.of(direct), false);
  }

  // ---- apps and users ----------------------------------------------------------------------

  @Test
  void createAppReturnsFalseForATakenIdAndKeepsTheFirst() {
    App acme = new App(APP, "Acme", "secret-1", 100);
    App globex = new App(OTHER_APP, "Globex", "secret-2", 200);

    assertThat(directory().createApp(acme)).isTrue();
    assertThat(directory().createApp(globex)).isTrue();
    assertThat(directory().createApp(new App(APP, "Impostor", "other", 300))).isFalse();

    assertThat(directory().app(APP)).contains(acme);
    assertThat(directory().app("nope")).isEmpty();
    assertThat(directory().apps()).containsExactlyInAnyOrder(acme, globex);
  }

  @Test
  void createUserReturnsFalseForATakenIdInThatAppOnly() {
    User alice = new User(APP, "alice", "Alice", 1);

    assertThat(directory().createUser(alice)).isTrue();
    assertThat(directory().createUser(new User(APP, "alice", "Other", 2))).isFalse();
    assertThat(directory().createUser(new User(OTHER_APP, "alice", "Alice of Globex", 3))).isTrue();

    assertThat(directory().user(APP, "alice")).contains(alice);
    assertThat(directory().user(OTHER_APP, "alice"))
        .contains(new User(OTHER_APP, "alice", "Alice of Globex", 3));
    assertThat(directory().user(APP, "nobody")).isEmpty();
  }

  @Test
  void theSameConversationIdInTwoAppsHasSeparateSeqsAndMessages() {
    appendMany(ALICE_BOB, "alice", 3);

    AppendResult other = append(message(OTHER_APP, ALICE_BOB, "bob", "x"));

    assertThat(other.message().seq()).isEqualTo(1);
    assertThat(messages().after(OTHER_APP, ALICE_BOB, 0, ALL).messages())
        .containsExactly(other.message());
    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .extracting(ChatMessage::seq)
        .containsExactly(1L, 2L, 3L);
    assertThat(messages().after(APP, ALICE_BOB, 0, ALL).messages())
        .extracting(ChatMessage::app)
        .containsOnly(APP);
    assertThat(state("bob", ALICE_BOB).lastSeq()).isEqualTo(3);
    assertThat(state("bob", ALICE_BOB).unread()).isEqualTo(3);
    assertThat(messages().state(OTHER_APP, "bob", ALICE_BOB).orElseThrow().readSeq()).isEqualTo(1);
    assertThat(messages().state(OTHER_APP, "alice", ALICE_BOB).orElseThrow().unread()).isEqualTo(1);
  }

  @Test
  void usersGroupsAndConversationsOfOneAppAreInvisibleInAnother() {
    directory().createUser(new User(APP, "alice", "Alice", 1));
    createGroup(group("team", "alice"), List.of("alice", "bob"));
    append(message(ConversationId.group("team"), "alice"));
    append(message(ALICE_BOB, "alice"));

    assertThat(directory().user(OTHER_APP, "alice")).isEmpty();
    assertThat(stores().groups().group(OTHER_APP, "team")).isEmpty();
    assertThat(members(OTHER_APP, "team")).isEmpty();
    assertThat(messages().state(OTHER_APP, "alice", ALICE_BOB)).isEmpty();
    assertThat(messages().markRead(OTHER_APP, "bob", ALICE_BOB, 1)).isEmpty();
    assertSync(messages().changedSince(OTHER_APP, "alice", 0, 10), List.of(), false);
    assertSync(messages().changedSince(OTHER_APP, "bob", 0, 10), List.of(), false);
    assertPage(messages().before(OTHER_APP, ALICE_BOB, Long.MAX_VALUE, 10), List.of(), false);
    assertThat(directory().deleteUser(OTHER_APP, "alice", 2)).isFalse();
    assertThat(directory().user(APP, "alice")).isPresent();
    assertThatThrownBy(() -> addMembers(OTHER_APP, "team", List.of("eve")))
        .isInstanceOfSatisfying(
            WarblerException.class, w -> assertThat(w.code()).isEqualTo(ErrorCode.GROUP_NOT_FOUND));
    assertThat(members(APP, "team")).containsExactly("alice", "bob");
  }

  // ---- durability --------------------------------------------------------------------------

  @Test
  void everyCompletedAppendSurvivesReopenAndSeqContinuesAfterTheLast() throws Exception {
    ConversationId team = ConversationId.group("team");
    App acme = new App(APP, "Acme", "secret", 1);
    User amy = new User(APP, "amy", "Amy", 2);
    directory().createApp(acme);
    directory().createUser(amy);
    createGroup(group("team", "amy"), List.of("amy", "bob"));
    List<ConversationId> conversations = List.of(ALICE_BOB, team, ConversationId.system("amy"));
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ConversationId c = conversations.get(i % conversations.size());
      futures.add(messages().append(message(c, senderIn(c))));
    }
    List<ChatMessage> acked = futures.stream().map(f -> resultOf(f).message()).toList();
    markRead("bob", team, 40);

    reopen();

    for (ConversationId c : conversations) {
      List<ChatMessage> expected = acked.stream().filter(m -> m.conversation().equals(c)).toList();
      assertThat(messages().after(APP, c, 0, ALL).messages()).containsExactlyElementsOf(expected);
      assertThat(append(message(c, senderIn(c))).message().seq()).isEqualTo(expected.size() + 1);
    }
    assertThat(directory().app(APP)).contains(acme);
    assertThat(directory().user(APP, "amy")).contains(amy);
    assertThat(members(APP, "team")).containsExactly("amy", "bob");
    assertThat(state("bob", team).readSeq()).isEqualTo(40);
    assertThat(append(message(APP, ALICE_BOB, acked.get(0).sender(), acked.get(0).clientMsgId())))
        .isEqualTo(new AppendResult(acked.get(0), true));
  }

  @Test
  void changedSinceCursorsKeepIncreasingAfterReopen() throws Exception {
    ConversationId team = ConversationId.group("team");
    createGroup(group("team", "amy"), List.of("amy", "alice"));
    append(message(team, "amy"));
    append(message(ALICE_BOB, "bob"));
    // The newest change positions now belong to alice's membership rows only.
    markRead("alice", team, 1);
    addMembers(APP, "team", List.of("zed"));
    long aliceCursor = messages().changedSince(APP, "alice", 0, 10).cursor();
    long zedCursor = messages().changedSince(APP, "zed", 0, 10).cursor();
    removeMembers(APP, "team", List.of("alice", "zed"));

    reopen();
    append(message(ALICE_BOB, "bob"));
    addMembers(APP, "team", List.of("zed"));

    SyncPage alice = messages().changedSince(APP, "alice", aliceCursor, 10);
    assertSync(alice, List.of(ALICE_BOB), false);
    assertThat(alice.cursor()).isGreaterThan(aliceCursor);
    assertThat(alice.conversations().get(0).lastSeq()).isEqualTo(2);
    SyncPage zed = messages().changedSince(APP, "zed", zedCursor, 10);
    assertSync(zed, List.of(team), false);
    assertThat(zed.cursor()).isGreaterThan(zedCursor);
  }

  @Test
  void closingWhileAppendingCompletesEveryFutureAndKeepsEveryAcknowledgedMessage()
      throws Exception {
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong acked = new AtomicLong();
    Thread sender =
        Thread.ofPlatform()
            .start(() -> {
              while (!stop.get() && futures.size() < 5_000) {
                CompletableFuture<AppendResult> f = attempt(() -> message(ALICE_BOB, "alice"));
                f.thenRun(acked::incrementAndGet);
                synchronized (futures) {
                  futures.add(f);
                }
                if (f.isCompletedExceptionally()) {
                  stop.set(true);
                }
              }
            });
    await().atMost(WAIT).until(() -> acked.get() >= 50);

    closeStores();
    await().atMost(WAIT).until(() -> !sender.isAlive() || stop.get());
    stop.set(true);
    sender.join(WAIT.toMillis());
    List<CompletableFuture<AppendResult>> all;
    synchronized (futures) {
      all = List.copyOf(futures);
    }
    await().atMost(WAIT).until(() -> all.stream().allMatch(CompletableFuture::isDone));

    List<ChatMessage> succeeded = new ArrayList<>();
    for (CompletableFuture<AppendResult> f : all) {
      try {
        succeeded.add(f.join().message());
      } catch (CompletionException e) {
        assertThat(e.getCause())
            .isInstanceOfSatisfying(
                WarblerException.class, w -> assertThat(w.code()).isEqualTo(ErrorCode.UNAVAILABLE));
      }
    }
    reopen();
    List<ChatMessage> stored = messages().after(APP, ALICE_BOB, 0, 100_000).messages();
    assertThat(stored).containsAll(succeeded);
    assertThat(stored)
        .extracting(ChatMessage::seq)
        .containsExactlyElementsOf(seqs(1, stored.size()));
  }

  @Test
  void appendingToAClosedStoreFailsWithUnavailable() throws Exception {
    append(message(ALICE_BOB, "alice"));
    closeStores();

    CompletableFuture<AppendResult> f = attempt(() -> message(ALICE_BOB, "alice"));

    await().atMost(WAIT).until(f::isDone);
    assertThat(f)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            WarblerException.class, w -> assertThat(w.code()).isEqualTo(ErrorCode.UNAVAILABLE));
  }

  // ---- helpers for subclasses and tests ----------------------------------------------------

  /** A new message with a fresh id, client message id, text and time. */
  protected final NewMessage message(ConversationId conversation, String sender) {
    return message(APP, conversation, sender, "c-" + counter.incrementAndGet());
  }

  /** A new message with a fresh id, text and time but the given client message id. */
  protected final NewMessage message(
      String app, ConversationId conversation, String sender, String clientMsgId) {
    long n = counter.incrementAndGet();
    return new NewMessage(
        app,
        conversation,
        nextId(),
        clientMsgId,
        sender,
        MessageType.TEXT,
        "text " + n,
        "",
        1_767_225_600_000L + n);
  }

  /** The same message with other send options (reply, mentions, forward). */
  protected static NewMessage withOptions(NewMessage m, SendOptions options) {
    return new NewMessage(
        m.app(),
        m.conversation(),
        m.id(),
        m.clientMsgId(),
        m.sender(),
        m.type(),
        m.text(),
        m.payload(),
        m.sentAt(),
        options);
  }

  /** Appends and waits for the durable result. */
  protected final AppendResult append(NewMessage message) {
    return resultOf(messages().append(message));
  }

  /** Waits for a store future; its failure is rethrown as is. */
  protected static <T> T resultOf(CompletableFuture<T> future) {
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

  private CompletableFuture<AppendResult> attempt(Supplier<NewMessage> message) {
    try {
      return messages().append(message.get());
    } catch (WarblerException e) {
      // A store may refuse synchronously instead of failing the future; both are allowed.
      return CompletableFuture.failedFuture(e);
    }
  }

  private List<AppendResult> appendMany(ConversationId conversation, String sender, int count) {
    List<AppendResult> results = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      results.add(append(message(conversation, sender)));
    }
    return results;
  }

  private String nextId() {
    return "msg-" + counter.incrementAndGet();
  }

  private ConversationState state(String user, ConversationId conversation) {
    return messages()
        .state(APP, user, conversation)
        .orElseThrow(() -> new AssertionError(user + " is not a member of " + conversation));
  }

  private ConversationState markRead(String user, ConversationId conversation, long seq) {
    return messages()
        .markRead(APP, user, conversation, seq)
        .orElseThrow(() -> new AssertionError(user + " is not a member of " + conversation));
  }

  private long lastSeq(String user, ConversationId conversation) {
    return state(user, conversation).lastSeq();
  }

  /** Creates a group through the group store, without an event message (see GroupFixtures). */
  private void createGroup(Group group, List<String> members) {
    GroupFixtures.create(stores().groups(), group, members);
  }

  private List<String> addMembers(String app, String group, List<String> users) {
    return GroupFixtures.add(stores().groups(), app, group, users);
  }

  private List<String> removeMembers(String app, String group, List<String> users) {
    return GroupFixtures.remove(stores().groups(), app, group, users);
  }

  private List<String> members(String app, String group) {
    return GroupFixtures.members(stores().groups(), app, group);
  }

  private static Group group(String id, String owner) {
    return new Group(APP, id, "Group " + id, owner, 1_767_225_600_000L);
  }

  private static String senderIn(ConversationId c) {
    return switch (c.kind()) {
      case DIRECT -> c.first();
      case GROUP -> "amy";
      case SYSTEM -> "";
      case ROOM -> throw new AssertionError("chatroom messages are never stored");
    };
  }

  private static ChatMessage stored(NewMessage m, long seq) {
    return new ChatMessage(
        m.app(),
        m.conversation(),
        seq,
        m.id(),
        m.clientMsgId(),
        m.sender(),
        m.type(),
        m.text(),
        m.payload(),
        m.sentAt());
  }

  private static List<Long> seqs(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  private static <T> List<T> synchronizedList() {
    return Collections.synchronizedList(new ArrayList<>());
  }

  private static void assertPage(MessagePage page, List<Long> seqs, boolean more) {
    assertThat(page.messages()).extracting(ChatMessage::seq).containsExactlyElementsOf(seqs);
    assertThat(page.more()).as("more").isEqualTo(more);
  }

  private static void assertSync(SyncPage page, List<ConversationId> conversations, boolean more) {
    assertThat(page.conversations())
        .extracting(ConversationState::conversation)
        .containsExactlyElementsOf(conversations);
    assertThat(page.more()).as("more").isEqualTo(more);
    long previous = Long.MIN_VALUE;
    for (ConversationState s : page.conversations()) {
      assertThat(s.changePosition()).as("change order").isGreaterThan(previous);
      previous = s.changePosition();
      assertThat(s.readSeq()).isBetween(0L, s.lastSeq());
      assertThat(s.lastMessage().isPresent()).isEqualTo(s.lastSeq() > 0);
    }
    if (!page.conversations().isEmpty()) {
      assertThat(page.cursor()).isEqualTo(previous);
    }
  }
}
