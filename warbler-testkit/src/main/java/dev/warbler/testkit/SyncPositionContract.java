package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.Stores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The sync guarantee of {@link MessageStore#changedSince} under several writers on one database: a
 * change committed after a reader saw position {@code p} gets a position above {@code p}, so a
 * reader that keeps its cursor never skips a change, whichever writer committed it.
 *
 * <p>The writers are separate bundles opened over the same directory ({@link #openStores} twice),
 * as two processes on one file, or two nodes on one database, would be: nothing they hold in memory
 * is shared. A store kind runs this contract by extending it like the other contracts.
 */
public abstract class SyncPositionContract<S extends Stores> extends BundleContract<S> {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String APP = "acme";

  /** The user whose devices sync; every conversation of these tests is one of hers. */
  private static final String READER = "rita";

  private static final int PEERS = 12;

  /** Small pages, so that a sync crosses page boundaries while the writers commit. */
  private static final int PAGE = 3;

  private static final Comparator<ConversationId> BY_ID =
      Comparator.comparing(ConversationId::toString);

  private final AtomicLong counter = new AtomicLong();

  @Test
  void aChangeAnotherWriterCommitsAfterASyncIsAboveTheReadersCursor() {
    S other = openStores(dir);
    try {
      setUp();
      List<ConversationId> conversations = conversations();
      for (ConversationId c : conversations) {
        join(stores().messages().append(message(c, peerOf(c))));
      }
      Map<ConversationId, Seen> seen = new TreeMap<>(BY_ID);
      long cursor = syncAll(stores(), 0, seen);

      ConversationId first = conversations.get(0);
      ConversationId second = conversations.get(1);
      ConversationId third = conversations.get(2);
      join(other.messages().append(message(first, peerOf(first))));
      other
          .conversationSettings()
          .updateSettings(
              APP, READER, second, ConversationSettings.Change.none().withCustom("{\"n\":1}"))
          .orElseThrow();
      other.messages().markRead(APP, READER, third, Long.MAX_VALUE).orElseThrow();

      SyncPage next = stores().messages().changedSince(APP, READER, cursor, PEERS);
      assertThat(next.conversations())
          .extracting(ConversationState::conversation)
          .containsExactly(first, second, third);
      assertThat(next.conversations())
          .allSatisfy(s -> assertThat(s.changePosition()).isGreaterThan(cursor));
      syncAll(stores(), cursor, seen);
      assertThat(seen).isEqualTo(finalStates(other, conversations));
    } finally {
      other.close();
    }
  }

  @Test
  void aReaderSyncingWhileTwoWritersCommitSeesEveryConversationsFinalChange() throws Exception {
    S other = openStores(dir);
    try {
      setUp();
      List<ConversationId> conversations = conversations();
      for (ConversationId c : conversations) {
        join(stores().messages().append(message(c, peerOf(c))));
      }
      List<S> writers = List.of(stores(), other, stores(), other);
      Map<ConversationId, Seen> seen = new TreeMap<>(BY_ID);
      long cursor = 0;
      int rounds = 12;
      try (ExecutorService pool = Executors.newFixedThreadPool(writers.size() + 1)) {
        for (int round = 0; round < rounds; round++) {
          AtomicBoolean writing = new AtomicBoolean(true);
          CountDownLatch start = new CountDownLatch(1);
          List<Future<?>> tasks = new ArrayList<>();
          for (int w = 0; w < writers.size(); w++) {
            S writer = writers.get(w);
            Random random = new Random(round * 31L + w);
            tasks.add(
                pool.submit(() -> {
                  start.await();
                  for (int op = 0; op < 20; op++) {
                    change(writer, conversations, random);
                  }
                  return null;
                }));
          }
          long from = cursor;
          // The reader syncs from one bundle while both bundles write; it keeps its cursor.
          Future<Long> reader =
              pool.submit(() -> {
                start.await();
                long c = from;
                while (writing.get()) {
                  c = syncAll(stores(), c, seen);
                }
                return c;
              });
          start.countDown();
          try {
            for (Future<?> task : tasks) {
              task.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
          } finally {
            writing.set(false);
          }
          cursor = reader.get(WAIT.toSeconds(), TimeUnit.SECONDS);
          cursor = syncAll(stores(), cursor, seen);

          assertThat(seen)
              .as("what the reader synced after round %d, against the stores' final states", round)
              .isEqualTo(finalStates(stores(), conversations));
        }
      }
    } finally {
      other.close();
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** What a device keeps of a synced conversation; the last change it saw sets every field. */
  private record Seen(
      long lastSeq, long readSeq, long changePosition, ConversationSettings settings) {
    static Seen of(ConversationState s) {
      return new Seen(s.lastSeq(), s.readSeq(), s.changePosition(), s.settings());
    }
  }

  private void setUp() {
    stores().directory().createApp(new App(APP, "Acme", "secret-acme-0123456789", 0));
    stores().directory().createUser(new User(APP, READER, "Rita", 0));
    for (int i = 0; i < PEERS; i++) {
      stores().directory().createUser(new User(APP, "p" + i, "P" + i, 0));
    }
  }

  private static List<ConversationId> conversations() {
    List<ConversationId> list = new ArrayList<>();
    for (int i = 0; i < PEERS; i++) {
      list.add(ConversationId.direct(READER, "p" + i));
    }
    return list;
  }

  private static String peerOf(ConversationId c) {
    return c.peerOf(READER);
  }

  /**
   * One random change of the reader's conversations on {@code writer}: a burst of appends submitted
   * together (so a writer commits several in one transaction), a settings change, or a read
   * position moved.
   */
  private void change(S writer, List<ConversationId> conversations, Random random) {
    ConversationId c = conversations.get(random.nextInt(conversations.size()));
    switch (random.nextInt(4)) {
      case 0, 1 -> {
        List<CompletableFuture<AppendResult>> burst = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          ConversationId target = conversations.get(random.nextInt(conversations.size()));
          String sender = random.nextInt(4) == 0 ? READER : peerOf(target);
          burst.add(writer.messages().append(message(target, sender)));
        }
        burst.forEach(SyncPositionContract::join);
      }
      case 2 ->
          writer
              .conversationSettings()
              .updateSettings(
                  APP,
                  READER,
                  c,
                  ConversationSettings.Change.none()
                      .withPinned(random.nextBoolean())
                      .withCustom("{\"n\":" + counter.incrementAndGet() + "}"))
              .orElseThrow();
      default ->
          writer
              .messages()
              .markRead(APP, READER, c, random.nextInt(1 + (int) counter.get()))
              .orElseThrow();
    }
  }

  /** Syncs from {@code cursor} until no page is left, recording each state; the new cursor. */
  private static long syncAll(Stores stores, long cursor, Map<ConversationId, Seen> seen) {
    long c = cursor;
    SyncPage page;
    do {
      page = stores.messages().changedSince(APP, READER, c, PAGE);
      for (ConversationState s : page.conversations()) {
        seen.put(s.conversation(), Seen.of(s));
      }
      c = page.cursor();
    } while (page.more());
    return c;
  }

  private static Map<ConversationId, Seen> finalStates(
      Stores stores, List<ConversationId> conversations) {
    Map<ConversationId, Seen> states = new TreeMap<>(BY_ID);
    for (ConversationId c : conversations) {
      states.put(c, Seen.of(stores.messages().state(APP, READER, c).orElseThrow()));
    }
    return states;
  }

  private NewMessage message(ConversationId conversation, String sender) {
    long n = counter.incrementAndGet();
    return new NewMessage(
        APP,
        conversation,
        "sp-" + n,
        "c-" + n,
        sender,
        MessageType.TEXT,
        "text " + n,
        "",
        1_767_225_600_000L + n);
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("store call failed", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("store call did not complete within " + WAIT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
