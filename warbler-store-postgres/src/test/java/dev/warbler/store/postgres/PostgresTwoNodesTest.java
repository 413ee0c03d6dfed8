package dev.warbler.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.NewMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two bundles on one schema, as two nodes on one database: seqs of a conversation written from both
 * at once have no gaps and no duplicates, and a client message id sent through both at once is
 * stored once.
 */
@ExtendWith(TestDatabase.class)
class PostgresTwoNodesTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String APP = "acme";
  private static final List<ConversationId> CHATS =
      List.of(
          ConversationId.direct("alice", "bob"),
          ConversationId.direct("alice", "carol"),
          ConversationId.group("team"));

  @TempDir Path dir;

  private final AtomicLong counter = new AtomicLong();
  private PostgresStores one;
  private PostgresStores two;

  @BeforeEach
  void openTwoNodes() {
    one = TestDatabase.open(dir);
    two = TestDatabase.open(dir);
  }

  @AfterEach
  void closeThem() {
    one.close();
    two.close();
  }

  private NewMessage message(ConversationId conversation, String sender, String clientMsgId) {
    long n = counter.incrementAndGet();
    return new NewMessage(
        APP,
        conversation,
        "m-" + n,
        clientMsgId,
        sender,
        MessageType.TEXT,
        "text " + n,
        "",
        1_767_225_600_000L + n);
  }

  private static <T> T join(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void appendsFromTwoNodesToTheSameConversationsGetEverySeqOnce() throws Exception {
    int perNode = 600;
    List<CompletableFuture<AppendResult>> all = new ArrayList<>();
    for (int i = 0; i < perNode; i++) {
      for (PostgresStores node : List.of(one, two)) {
        ConversationId c = CHATS.get(i % CHATS.size());
        all.add(node.messages().append(message(c, "alice", "c-" + counter.incrementAndGet())));
      }
    }
    for (CompletableFuture<AppendResult> f : all) {
      assertThat(join(f).duplicate()).isFalse();
    }

    for (ConversationId c : CHATS) {
      List<ChatMessage> stored = one.messages().after(APP, c, 0, 10_000).messages();
      assertThat(stored)
          .extracting(ChatMessage::seq)
          .containsExactlyElementsOf(
              LongStream.rangeClosed(1, 2L * perNode / CHATS.size()).boxed().toList());
      assertThat(two.messages().after(APP, c, 0, 10_000).messages()).isEqualTo(stored);
    }
  }

  @Test
  void aClientMessageIdSentThroughBothNodesAtOnceIsStoredOnce() throws Exception {
    int sends = 300;
    List<CompletableFuture<AppendResult>> first = new ArrayList<>();
    List<CompletableFuture<AppendResult>> second = new ArrayList<>();
    for (int i = 0; i < sends; i++) {
      ConversationId c = CHATS.get(i % CHATS.size());
      String id = "same-" + i;
      first.add(one.messages().append(message(c, "bob", id)));
      second.add(two.messages().append(message(c, "bob", id)));
    }

    for (int i = 0; i < sends; i++) {
      AppendResult a = join(first.get(i));
      AppendResult b = join(second.get(i));
      assertThat(a.message().seq()).isEqualTo(b.message().seq());
      assertThat(a.message().id()).isEqualTo(b.message().id());
      assertThat(a.duplicate() ^ b.duplicate()).as("exactly one of the two stored it").isTrue();
    }
    for (ConversationId c : CHATS) {
      assertThat(one.messages().after(APP, c, 0, 10_000).messages())
          .extracting(ChatMessage::seq)
          .containsExactlyElementsOf(
              LongStream.rangeClosed(1, sends / CHATS.size()).boxed().toList());
    }
  }
}
