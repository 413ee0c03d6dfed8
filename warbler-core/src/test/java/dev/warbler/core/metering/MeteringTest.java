package dev.warbler.core.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupEvents;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.Push;
import dev.warbler.core.spi.UsageStore;
import dev.warbler.protocol.CloseCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Metering with an in-memory usage store, a local bus and a clock the test moves. */
class MeteringTest {
  /** What GroupAdmin stores when the app backend creates group "team" with members a and b. */
  private static final String CREATED_TEXT = "the app created the group team";

  private static final String CREATED_PAYLOAD =
      "{\"event\":\"group_created\",\"by\":\"\",\"users\":[\"a\",\"b\"],\"name\":\"team\"}";

  private static final Instant START = Instant.parse("2026-11-02T23:59:00Z");
  private static final LocalDate NOV_2 = LocalDate.parse("2026-11-02");
  private static final LocalDate NOV_3 = LocalDate.parse("2026-11-03");

  private final AtomicLong now = new AtomicLong(START.toEpochMilli());
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final RecordingStore store = new RecordingStore();
  private final Bus bus = new LocalCluster().bus();
  private final Publisher publisher = new Publisher(bus);
  private final Sessions sessions = new Sessions(bus);
  private final Metering metering = new Metering(store, sessions, publisher, clock);

  /** Keeps every batch; fails while {@code failing}. */
  static final class RecordingStore implements UsageStore {
    final List<Batch> batches = new ArrayList<>();
    boolean failing;

    @Override
    public void record(Batch batch) {
      if (failing) {
        throw new WarblerException(dev.warbler.protocol.ErrorCode.UNAVAILABLE, "store down");
      }
      batches.add(batch);
    }

    long messages(String app, LocalDate day) {
      return batches.stream()
          .flatMap(b -> b.messages().stream())
          .filter(m -> m.app().equals(app) && m.day().equals(day))
          .mapToLong(MessageCount::messages)
          .sum();
    }

    long bytes(String app) {
      return batches.stream()
          .flatMap(b -> b.messages().stream())
          .filter(m -> m.app().equals(app))
          .mapToLong(MessageCount::bytes)
          .sum();
    }

    List<ActiveUser> active() {
      return batches.stream().flatMap(b -> b.active().stream()).toList();
    }

    long peak(String app, LocalDate day) {
      return batches.stream()
          .flatMap(b -> b.peaks().stream())
          .filter(p -> p.app().equals(app) && p.day().equals(day))
          .mapToLong(Peak::connections)
          .max()
          .orElse(0);
    }

    @Override
    public List<Day> days(String app, LocalDate from, LocalDate to) {
      return List.of();
    }

    @Override
    public long activeUsers(String app, LocalDate from, LocalDate to) {
      return 0;
    }

    @Override
    public long storedBytes(String app) {
      return bytes(app);
    }

    @Override
    public long users(String app) {
      return 0;
    }
  }

  /** A connection that is never pushed to in these tests; equal only to itself, like a socket. */
  static final class Fake implements Connection {
    private final String app;
    private final String user;

    Fake(String app, String user) {
      this.app = app;
      this.user = user;
    }

    @Override
    public String app() {
      return app;
    }

    @Override
    public String user() {
      return user;
    }

    @Override
    public void push(Push push) {}

    @Override
    public void close(CloseCode code, String reason) {}
  }

  private void stored(String app, String sender, String text, String payload) {
    publisher.publish(
        new Delivery(
            new ChatMessage(
                app,
                ConversationId.direct("a", "b"),
                1,
                "id",
                "c",
                sender,
                MessageType.TEXT,
                text,
                payload,
                now.get()),
            List.of("a", "b")));
  }

  @Test
  void messagesAreCountedPerAppAndUtcDayWithTheirUtf8Bytes() {
    stored("shop", "a", "héllo", "");
    stored("shop", "", "", "{\"k\":1}");
    now.addAndGet(Duration.ofMinutes(2).toMillis());
    stored("shop", "b", "x", "");
    stored("school", "a", "yo", "");

    metering.flush();

    assertThat(store.messages("shop", NOV_2)).isEqualTo(2);
    assertThat(store.messages("shop", NOV_3)).isEqualTo(1);
    assertThat(store.messages("school", NOV_3)).isEqualTo(1);
    assertThat(store.bytes("shop")).isEqualTo(6 + 7 + 1);
    assertThat(store.active())
        .containsExactlyInAnyOrder(
            new UsageStore.ActiveUser("shop", NOV_2, "a"),
            new UsageStore.ActiveUser("shop", NOV_3, "b"),
            new UsageStore.ActiveUser("school", NOV_3, "a"));
  }

  @Test
  void aUserIsWrittenAsActiveOncePerDayAndAFlushWithNothingNewWritesNothing() {
    Fake phone = new Fake("shop", "a");
    sessions.add(phone);
    stored("shop", "a", "hi", "");
    metering.flush();
    sessions.remove(phone);
    sessions.add(phone);
    int batches = store.batches.size();

    metering.flush();

    assertThat(store.active()).containsExactly(new UsageStore.ActiveUser("shop", NOV_2, "a"));
    // Only today's peak of the app with a connection open is written again.
    assertThat(store.batches.subList(batches, store.batches.size()))
        .allSatisfy(b -> {
          assertThat(b.messages()).isEmpty();
          assertThat(b.active()).isEmpty();
        });
  }

  @Test
  void thePeakIsTheMostConnectionsOpenAtOnceAndADayWithoutChangesStillHasOne() {
    Fake one = new Fake("shop", "a");
    Fake two = new Fake("shop", "a");
    Fake three = new Fake("shop", "b");
    sessions.add(one);
    sessions.add(two);
    sessions.add(three);
    sessions.remove(two);
    sessions.remove(three);
    metering.flush();
    now.addAndGet(Duration.ofMinutes(2).toMillis());

    metering.flush();

    assertThat(store.peak("shop", NOV_2)).isEqualTo(3);
    assertThat(store.peak("shop", NOV_3)).isEqualTo(1);
  }

  @Test
  void countsSurviveAFailedFlushAndAreWrittenByTheNextOne() {
    stored("shop", "a", "one", "");
    store.failing = true;

    assertThatThrownBy(metering::flush).isInstanceOf(WarblerException.class);
    stored("shop", "a", "two", "");
    store.failing = false;
    metering.flush();

    assertThat(store.messages("shop", NOV_2)).isEqualTo(2);
    assertThat(store.active()).containsExactly(new UsageStore.ActiveUser("shop", NOV_2, "a"));
  }

  @Test
  void groupEventsAreStoredButNotSentMessagesWhileTheBackendsGroupMessagesAre() {
    ChatMessage event =
        new ChatMessage(
            "shop",
            ConversationId.group("team"),
            1,
            "e1",
            GroupEvents.clientMsgId("e1"),
            GroupAdmin.BACKEND,
            MessageType.SYSTEM,
            CREATED_TEXT,
            CREATED_PAYLOAD,
            now.get());
    // The backend's own SYSTEM message, even with a client id that looks like an event's.
    ChatMessage notice =
        new ChatMessage(
            "shop",
            ConversationId.group("team"),
            2,
            "n2",
            GroupEvents.clientMsgId("e1"),
            Messenger.SYSTEM_SENDER,
            MessageType.SYSTEM,
            "sale",
            "",
            now.get());

    publisher.publish(new Delivery(event, List.of()));
    publisher.publish(new Delivery(notice, List.of()));
    metering.flush();

    assertThat(GroupEvents.isEvent(event)).isTrue();
    assertThat(GroupEvents.isEvent(notice)).isFalse();
    assertThat(store.messages("shop", NOV_2)).isEqualTo(1);
    // The event is stored: its bytes count.
    assertThat(store.bytes("shop"))
        .isEqualTo(
            4
                + CREATED_TEXT.getBytes(StandardCharsets.UTF_8).length
                + CREATED_PAYLOAD.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void aDayWithOnlyGroupEventsStillWritesTheirBytes() {
    publisher.publish(
        new Delivery(
            new ChatMessage(
                "shop",
                ConversationId.group("team"),
                1,
                "e1",
                GroupEvents.clientMsgId("e1"),
                GroupAdmin.BACKEND,
                MessageType.SYSTEM,
                CREATED_TEXT,
                CREATED_PAYLOAD,
                now.get()),
            List.of()));

    metering.flush();

    assertThat(store.messages("shop", NOV_2)).isZero();
    assertThat(store.bytes("shop")).isPositive();
  }

  @Test
  void changeEntriesAndDeleteForMeNoticesAreNotSentMessagesButAChangesSenderIsActive() {
    stored("shop", "a", "hello", "");
    ChatMessage change =
        new ChatMessage(
            "shop",
            ConversationId.direct("a", "b"),
            2,
            "id2",
            "",
            "b",
            MessageType.CHANGE,
            "edited text",
            "",
            now.get());
    publisher.publish(new Delivery(change, List.of("a", "b")));
    ChatMessage original =
        new ChatMessage(
            "shop",
            ConversationId.direct("a", "b"),
            1,
            "id",
            "c",
            "a",
            MessageType.TEXT,
            "hello",
            "",
            now.get());
    publisher.publish(new Delivery(original.tombstone(), List.of("a")));

    metering.flush();

    assertThat(store.messages("shop", NOV_2)).isEqualTo(1);
    assertThat(store.bytes("shop")).isEqualTo(5);
    assertThat(store.batches.stream().flatMap(b -> b.messages().stream()))
        .allSatisfy(m -> assertThat(m.day()).isEqualTo(NOV_2));
    assertThat(store.active())
        .containsExactlyInAnyOrder(
            new UsageStore.ActiveUser("shop", NOV_2, "a"),
            new UsageStore.ActiveUser("shop", NOV_2, "b"));
  }

  @Test
  void aChatroomMessageCountsAsASentMessageWithoutStoredBytes() {
    metering.chatroomMessage(
        new ChatMessage(
            "shop",
            ConversationId.room("live"),
            1,
            "id",
            "c",
            "a",
            MessageType.TEXT,
            "hi all",
            "",
            now.get()));

    metering.flush();

    assertThat(store.messages("shop", NOV_2)).isEqualTo(1);
    assertThat(store.bytes("shop")).isZero();
    assertThat(store.active()).containsExactly(new UsageStore.ActiveUser("shop", NOV_2, "a"));
  }

  @Test
  void aReportListsEveryDayOfAPastMonthAndNoDayOfAFutureOne() {
    assertThat(metering.report("shop", YearMonth.of(2026, 2)).days()).hasSize(28);
    assertThat(metering.report("shop", YearMonth.of(2026, 11)).days()).hasSize(2);
    assertThat(metering.report("shop", YearMonth.of(2027, 1)).days()).isEmpty();
  }
}
