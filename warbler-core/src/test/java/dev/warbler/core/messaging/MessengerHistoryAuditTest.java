package dev.warbler.core.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.Caller;
import dev.warbler.core.Unused;
import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.audit.MemoryAuditLog;
import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupLimits;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A history read with server credentials is audited by {@link Messenger} itself, so every transport
 * that serves one records it the same way.
 */
class MessengerHistoryAuditTest {
  private static final String APP = "shop";
  private static final ConversationId TEAM = ConversationId.group("team");

  private final MemoryAuditLog log = new MemoryAuditLog();
  private final Messenger messenger = messenger(new ThreeMessages(), log);

  private static Messenger messenger(MessageStore store, MemoryAuditLog log) {
    InstantSource clock = InstantSource.system();
    Bus bus = new LocalCluster().bus();
    Publisher publisher = new Publisher(bus);
    DirectoryStore directoryStore = Unused.port(DirectoryStore.class);
    GroupAdmin groups =
        new GroupAdmin(
            Unused.port(GroupStore.class),
            directoryStore,
            bus,
            publisher,
            clock,
            Limits.DEFAULTS,
            GroupLimits.DEFAULTS,
            log.audit(clock));
    return new Messenger(
        store,
        new Directory(directoryStore, groups, bus, publisher, clock, 4096),
        publisher,
        clock,
        Limits.DEFAULTS,
        Unused.port(MessageLifecycleStore.class),
        LifecycleLimits.DEFAULTS,
        (app, blocker, sender) -> false,
        log.audit(clock));
  }

  @Test
  void aBackendHistoryReadIsOneEntryWithTheCallerAndWhatWasRead() {
    Caller backend = new Caller(APP, Audit.app(APP), "192.0.2.1");

    MessagePage page = messenger.historyUnchecked(backend, TEAM, 0, 2);

    assertThat(page.messages()).extracting(ChatMessage::seq).containsExactly(2L, 3L);
    assertThat(log.events())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.app()).isEqualTo(APP);
          assertThat(e.actor()).isEqualTo("app:shop");
          assertThat(e.ip()).isEqualTo("192.0.2.1");
          assertThat(e.action()).isEqualTo(Audit.HISTORY_READ);
          assertThat(e.target()).isEqualTo("g:team");
          assertThat(e.outcome()).isEqualTo(AuditEvent.OK);
          assertThat(e.detail()).isEqualTo("before=0 limit=2 returned=2");
        });
  }

  @Test
  void aRefusedHistoryReadRecordsNothing() {
    Caller admin = new Caller(APP, Audit.ADMIN, "127.0.0.1");

    assertThatThrownBy(() -> messenger.historyUnchecked(admin, TEAM, -1, 10))
        .isInstanceOfSatisfying(
            WarblerException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));

    assertThat(log.events()).isEmpty();
  }

  /** The group {@code team} of {@code shop} holds seqs 1 to 3; only reads backwards are served. */
  private static final class ThreeMessages implements MessageStore {
    @Override
    public MessagePage before(String app, ConversationId conversation, long beforeSeq, int limit) {
      List<ChatMessage> all =
          LongStream.rangeClosed(1, 3)
              .filter(seq -> seq < beforeSeq)
              .mapToObj(seq ->
                  new ChatMessage(
                      app,
                      conversation,
                      seq,
                      "m" + seq,
                      "c" + seq,
                      "amy",
                      MessageType.TEXT,
                      "hi",
                      "",
                      seq))
              .toList();
      List<ChatMessage> page = all.subList(Math.max(0, all.size() - limit), all.size());
      return new MessagePage(conversation, page, all.size() > limit);
    }

    @Override
    public CompletableFuture<AppendResult> append(NewMessage message) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<ChatMessage> message(String app, ConversationId conversation, long seq) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MessagePage after(String app, ConversationId conversation, long afterSeq, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SyncPage changedSince(String app, String user, long cursor, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<ConversationState> state(String app, String user, ConversationId conversation) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<ConversationState> markRead(
        String app, String user, ConversationId conversation, long seq) {
      throw new UnsupportedOperationException();
    }
  }
}
