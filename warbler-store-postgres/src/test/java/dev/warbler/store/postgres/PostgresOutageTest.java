package dev.warbler.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.protocol.ErrorCode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL ending the store's connections mid-traffic (as a restart or a failover does): sends
 * fail with the retryable UNAVAILABLE at worst, the store reconnects by itself, and a client that
 * retries with the same client message id ends with every send stored once and nothing acked lost.
 * The backends are ended with {@code pg_terminate_backend} from a second connection, so the test
 * needs no control over the machine's PostgreSQL.
 */
@ExtendWith(TestDatabase.class)
class PostgresOutageTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String APP = "acme";
  private static final ConversationId CHAT = ConversationId.direct("alice", "bob");
  private static final int SENDS = 600;
  private static final int MAX_TRIES = 100;

  @TempDir Path dir;

  private static NewMessage message(int i) {
    return new NewMessage(
        APP,
        CHAT,
        "m-" + i,
        "c-" + i,
        i % 2 == 0 ? "alice" : "bob",
        MessageType.TEXT,
        "text " + i,
        "",
        1_767_225_600_000L + i);
  }

  /** Ends every backend of the store's schema; returns how many. */
  private static int terminateBackends(String schema) throws Exception {
    try (Connection c = TestDatabase.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = ? AND pid <> pg_backend_pid()")) {
      ps.setString(1, "warbler/" + schema);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  @Test
  void sendsResumeByThemselvesAfterPostgresEndsTheStoresConnectionsAndNothingAckedIsLost()
      throws Exception {
    String schema = TestDatabase.schemaOf(dir);
    Map<Integer, Long> acked = new ConcurrentHashMap<>();
    AtomicInteger unavailable = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    int terminated = 0;
    try (PostgresStores store = TestDatabase.open(dir);
        ExecutorService senders = Executors.newFixedThreadPool(4)) {
      List<Future<Object>> tasks =
          LongStream.range(0, 4)
              .mapToObj(t ->
                  senders.submit(() -> {
                    for (int i = (int) t; i < SENDS; i += 4) {
                      for (int attempt = 1; ; attempt++) {
                        try {
                          AppendResult r = store.messages().append(message(i)).join();
                          acked.put(i, r.message().seq());
                          sent.incrementAndGet();
                          break;
                        } catch (CompletionException e) {
                          if (!(e.getCause() instanceof WarblerException w)
                              || w.code() != ErrorCode.UNAVAILABLE
                              || attempt == MAX_TRIES) {
                            throw e;
                          }
                          unavailable.incrementAndGet();
                        }
                      }
                    }
                    return null;
                  }))
              .toList();
      // Mid-traffic, three times: every connection of the pool, busy or idle, is ended.
      for (int round = 1; round <= 3; round++) {
        int until = round * SENDS / 4;
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(5))
            .until(() -> sent.get() >= until || tasks.stream().anyMatch(Future::isDone));
        terminated += terminateBackends(schema);
      }
      for (Future<Object> task : tasks) {
        task.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }

      assertThat(terminated).isPositive();
      assertThat(acked).hasSize(SENDS);
      List<ChatMessage> stored = store.messages().after(APP, CHAT, 0, 10_000).messages();
      assertThat(stored)
          .extracting(ChatMessage::seq)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, SENDS).boxed().toList());
      assertThat(stored).extracting(ChatMessage::clientMsgId).doesNotHaveDuplicates();
      for (ChatMessage m : stored) {
        int i = Integer.parseInt(m.clientMsgId().substring(2));
        assertThat(acked.get(i)).as("the ack of send %d", i).isEqualTo(m.seq());
      }
    }
    // And a store opened afterwards reads the same: what was acked was committed.
    try (PostgresStores again = TestDatabase.open(dir)) {
      assertThat(again.messages().after(APP, CHAT, 0, 10_000).messages()).hasSize(SENDS);
    }
  }
}
