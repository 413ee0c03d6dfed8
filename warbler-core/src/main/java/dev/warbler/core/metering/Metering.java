package dev.warbler.core.metering;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.groups.GroupEvents;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.UsageStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Meters each app's usage per UTC day: messages sent, bytes of the messages stored, active users (a
 * user is active on a day when it authenticates or sends), and peak connections.
 *
 * <p>What counts as a sent message: every message stored in a conversation (TEXT, MARKDOWN, CUSTOM,
 * SYSTEM, forwards included), and every chatroom message ({@link #chatroomMessage}; chatroom
 * messages are not stored, so they add no bytes). {@link MessageType#CHANGE} entries (recall, edit,
 * reaction) are not messages sent: they add neither a message nor bytes, though their sender counts
 * as active that day. Delete-for-me notices are not messages at all (nothing is stored, nothing is
 * sent to anyone else) and are not counted. Group events (the SYSTEM messages the server appends
 * for a group change: {@code group_created}, {@code member_joined}, ...; see {@link
 * GroupEvents#isEvent}) are not messages sent either, so an app's count is what its users and its
 * backend ({@code sendMessage}, {@code notify}) sent, and a bulk add of members does not inflate
 * it; they are stored, so their bytes count towards the stored bytes.
 *
 * <p>Counting happens in memory on the hot paths (the {@linkplain Publisher#onOrigin origin
 * observer} sees each message stored through this node once, the {@link Sessions.Listener}
 * callbacks see every connection of this node) and never blocks them; {@link #flush} writes what
 * accumulated to the {@link UsageStore} in one transaction. The server flushes every {@code
 * usage.flush-interval-seconds} and on shutdown, and {@link #report} flushes first, so a report is
 * exact and survives restarts; a crash loses at most one flush interval of counts. Counts are where
 * things happen: a message is counted by the node that stored it, never by the nodes that deliver
 * it, so a cluster counts each once and the nodes' rows add up.
 *
 * <p>Thread-safe.
 */
public final class Metering implements Sessions.Listener {
  /** Active users already written today; a bound on memory, a miss only costs an extra write. */
  private static final int RECORDED_CACHE = 100_000;

  private record DayKey(String app, LocalDate day) {}

  private final UsageStore store;
  private final InstantSource clock;
  private final ConcurrentHashMap<DayKey, LongAdder> messages = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<DayKey, LongAdder> bytes = new ConcurrentHashMap<>();
  private final Set<UsageStore.ActiveUser> pendingActive = ConcurrentHashMap.newKeySet();
  private final Cache<UsageStore.ActiveUser, Boolean> recorded =
      Caffeine.newBuilder().maximumSize(RECORDED_CACHE).build();
  private final ConcurrentHashMap<String, AtomicLong> open = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<DayKey, AtomicLong> peaks = new ConcurrentHashMap<>();

  public Metering(UsageStore store, Sessions sessions, Publisher publisher, InstantSource clock) {
    this.store = store;
    this.clock = clock;
    sessions.addListener(this);
    publisher.onOrigin(this::stored);
  }

  @Override
  public void added(Connection c, boolean first) {
    LocalDate today = today();
    long now = open.computeIfAbsent(c.app(), a -> new AtomicLong()).incrementAndGet();
    peaks
        .computeIfAbsent(new DayKey(c.app(), today), k -> new AtomicLong())
        .accumulateAndGet(now, Math::max);
    active(c.app(), today, c.user());
  }

  @Override
  public void removed(Connection c, boolean last) {
    AtomicLong n = open.get(c.app());
    if (n != null) {
      n.decrementAndGet();
    }
  }

  private void stored(Delivery delivery) {
    ChatMessage m = delivery.message();
    if (m.extras().deletedForMe()) {
      return; // a delete-for-me notice to the user's own devices: no message was sent
    }
    DayKey key = new DayKey(m.app(), day(m.sentAt()));
    if (m.type() != MessageType.CHANGE) {
      // The day's message counter also lists the day for flush, so it is made for events too.
      LongAdder sent = messages.computeIfAbsent(key, k -> new LongAdder());
      if (!GroupEvents.isEvent(m)) { // a group event is stored, but nobody sent it
        sent.increment();
      }
      bytes
          .computeIfAbsent(key, k -> new LongAdder())
          .add(
              m.text().getBytes(StandardCharsets.UTF_8).length
                  + m.payload().getBytes(StandardCharsets.UTF_8).length);
    }
    if (!m.sender().isEmpty()) {
      active(m.app(), key.day(), m.sender());
    }
  }

  /**
   * Counts a chatroom message as a message sent by its app (and its sender as active); it adds no
   * stored bytes, chatroom messages are not stored. Called by {@link Chatrooms} with the room
   * locked: never blocks.
   */
  public void chatroomMessage(ChatMessage m) {
    DayKey key = new DayKey(m.app(), day(m.sentAt()));
    messages.computeIfAbsent(key, k -> new LongAdder()).increment();
    if (!m.sender().isEmpty()) {
      active(m.app(), key.day(), m.sender());
    }
  }

  private void active(String app, LocalDate day, String user) {
    UsageStore.ActiveUser a = new UsageStore.ActiveUser(app, day, user);
    if (recorded.getIfPresent(a) == null) {
      pendingActive.add(a);
    }
  }

  /**
   * Writes the counts gathered since the last flush, and today's peak of every app with connections
   * open, in one transaction. If the store fails, the counts stay for the next flush and the
   * failure is thrown.
   */
  public synchronized void flush() {
    LocalDate today = today();
    List<UsageStore.MessageCount> counts = new ArrayList<>();
    Map<DayKey, long[]> taken = new HashMap<>();
    for (Map.Entry<DayKey, LongAdder> e : messages.entrySet()) {
      long n = e.getValue().sumThenReset();
      LongAdder b = bytes.get(e.getKey());
      long size = b == null ? 0 : b.sumThenReset();
      if (n != 0 || size != 0) {
        counts.add(new UsageStore.MessageCount(e.getKey().app(), e.getKey().day(), n, size));
        taken.put(e.getKey(), new long[] {n, size});
      }
    }
    // Messages are stamped just before they are stored: counters of days before yesterday get no
    // more increments and can go.
    LocalDate stale = today.minusDays(1);
    messages.keySet().removeIf(k -> k.day().isBefore(stale));
    bytes.keySet().removeIf(k -> k.day().isBefore(stale));
    List<UsageStore.ActiveUser> active = new ArrayList<>(pendingActive);
    active.forEach(pendingActive::remove);
    open.forEach((app, n) -> {
      long now = n.get();
      if (now > 0) {
        peaks
            .computeIfAbsent(new DayKey(app, today), k -> new AtomicLong())
            .accumulateAndGet(now, Math::max);
      }
    });
    List<UsageStore.Peak> peakList = new ArrayList<>();
    peaks.forEach((k, v) -> peakList.add(new UsageStore.Peak(k.app(), k.day(), v.get())));
    // Past days' peaks are final once written; today's keeps rising in memory.
    peaks.keySet().removeIf(k -> k.day().isBefore(today));
    UsageStore.Batch batch = new UsageStore.Batch(counts, active, peakList);
    if (batch.isEmpty()) {
      return;
    }
    try {
      store.record(batch);
    } catch (RuntimeException e) {
      taken.forEach((k, v) -> {
        messages.computeIfAbsent(k, x -> new LongAdder()).add(v[0]);
        bytes.computeIfAbsent(k, x -> new LongAdder()).add(v[1]);
      });
      pendingActive.addAll(active);
      for (UsageStore.Peak p : peakList) {
        peaks
            .computeIfAbsent(new DayKey(p.app(), p.day()), k -> new AtomicLong())
            .accumulateAndGet(p.connections(), Math::max);
      }
      throw e;
    }
    active.forEach(a -> recorded.put(a, true));
  }

  /** The app's usage in {@code month}, after a flush; see {@link UsageReport}. */
  public UsageReport report(String app, YearMonth month) {
    flush();
    LocalDate today = today();
    LocalDate first = month.atDay(1);
    LocalDate last = month.atEndOfMonth();
    LocalDate end = last.isAfter(today) ? today : last;
    Map<LocalDate, UsageStore.Day> stored = new HashMap<>();
    store.days(app, first, last).forEach(d -> stored.put(d.day(), d));
    List<UsageStore.Day> days = new ArrayList<>();
    long sent = 0;
    long peak = 0;
    for (LocalDate d = first; !d.isAfter(end); d = d.plusDays(1)) {
      UsageStore.Day day = stored.getOrDefault(d, new UsageStore.Day(d, 0, 0, 0));
      days.add(day);
      sent += day.messages();
      peak = Math.max(peak, day.peakConnections());
    }
    long dailyActive =
        store.days(app, today, today).stream().mapToLong(UsageStore.Day::activeUsers).sum();
    return new UsageReport(
        app,
        month,
        store.users(app),
        dailyActive,
        store.activeUsers(app, first, last),
        sent,
        peak,
        store.storedBytes(app),
        days);
  }

  private LocalDate today() {
    return day(clock.millis());
  }

  private static LocalDate day(long epochMillis) {
    return LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
  }
}
