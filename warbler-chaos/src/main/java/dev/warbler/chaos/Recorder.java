package dev.warbler.chaos;

import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.testkit.HistoryChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * What the clients of a chaos run saw, across every server process: each send (once, at its first
 * attempt), each ack, each error, each pushed message. Written from event loops and sender threads.
 */
final class Recorder {
  /** One client message id of one sender: where it goes and what became of it. */
  static final class Sent {
    final String sender;
    final String clientMsgId;
    final String conversation;
    final @Nullable String toUser;
    final @Nullable String toGroup;
    final long issuedNanos;
    volatile boolean acked;
    volatile boolean failed;
    volatile boolean abandoned;

    Sent(
        String sender,
        String clientMsgId,
        String conversation,
        @Nullable String toUser,
        @Nullable String toGroup,
        long issuedNanos) {
      this.sender = sender;
      this.clientMsgId = clientMsgId;
      this.conversation = conversation;
      this.toUser = toUser;
      this.toGroup = toGroup;
      this.issuedNanos = issuedNanos;
    }
  }

  private final Map<String, Sent> sends = new ConcurrentHashMap<>();
  private final Queue<HistoryChecker.Ack> acks = new ConcurrentLinkedQueue<>();
  private final Queue<HistoryChecker.Delivery> deliveries = new ConcurrentLinkedQueue<>();
  private final LongAdder ackCount = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder retried = new LongAdder();
  final LongAdder restSends = new LongAdder();
  final LongAdder retriedDuplicates = new LongAdder();
  final LongAdder outsiderAttempts = new LongAdder();
  final LongAdder outsiderRefused = new LongAdder();
  final LongAdder outsiderAcked = new LongAdder();

  private static String key(String sender, String clientMsgId) {
    return sender + '\n' + clientMsgId;
  }

  void issued(Sent s) {
    if (sends.putIfAbsent(key(s.sender, s.clientMsgId), s) != null) {
      throw new IllegalStateException("client message id used twice: " + s.clientMsgId);
    }
  }

  @Nullable Sent sent(String sender, String clientMsgId) {
    return sends.get(key(sender, clientMsgId));
  }

  /** Records an ack received by {@code sender}; returns the send it answers, if ours. */
  @Nullable Sent acked(String sender, SendAck ack, long nanos) {
    return acked(
        sender,
        ack.getClientMsgId(),
        ack.getConversation(),
        ack.getSeq(),
        ack.getDuplicate(),
        nanos);
  }

  /** Records an ack (a send_ack frame or a 201 of the REST API). */
  @Nullable Sent acked(
      String sender,
      String clientMsgId,
      String conversation,
      long seq,
      boolean duplicate,
      long nanos) {
    acks.add(new HistoryChecker.Ack(sender, clientMsgId, conversation, seq, nanos, duplicate));
    ackCount.increment();
    Sent s = sent(sender, clientMsgId);
    if (s != null) {
      s.acked = true;
      if (duplicate) {
        retriedDuplicates.increment();
      }
    }
    return s;
  }

  void delivered(String user, Message m) {
    deliveries.add(
        new HistoryChecker.Delivery(user, m.getConversation(), m.getSeq(), m.getClientMsgId()));
  }

  /** Sends that have no ack and no error yet and were not given up, oldest first. */
  List<Sent> unanswered(String sender) {
    List<Sent> out = new ArrayList<>();
    for (Sent s : sends.values()) {
      if (s.sender.equals(sender) && !s.acked && !s.failed && !s.abandoned) {
        out.add(s);
      }
    }
    out.sort((a, b) -> Long.compare(a.issuedNanos, b.issuedNanos));
    return out;
  }

  List<HistoryChecker.Send> checkerSends() {
    List<HistoryChecker.Send> out = new ArrayList<>(sends.size());
    for (Sent s : sends.values()) {
      out.add(new HistoryChecker.Send(s.sender, s.clientMsgId, s.conversation, s.issuedNanos));
    }
    return out;
  }

  List<HistoryChecker.Ack> checkerAcks() {
    return new ArrayList<>(acks);
  }

  List<HistoryChecker.Delivery> checkerDeliveries() {
    return new ArrayList<>(deliveries);
  }

  /** Acks received so far, duplicates included. */
  long ackCount() {
    return ackCount.sum();
  }

  long deliveries() {
    return deliveries.size();
  }
}
