package dev.warbler.testkit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks what clients recorded (sends, acks, deliveries) against the history read back from the
 * server, after a run in which the server may have been killed any number of times. Pure logic: no
 * I/O, no clock, no server; {@code warbler chaos crash} feeds it, and its unit test feeds it
 * hand-made histories with each kind of violation.
 *
 * <p>The guarantees checked, each counted in {@link Report}:
 *
 * <ul>
 *   <li>{@code lost}: an acked message is not in history (no stored message with its sender and
 *       client message id).
 *   <li>{@code mismatched}: an acked message is stored, but not in the conversation and at the seq
 *       its ack named (or two acks of it disagree).
 *   <li>{@code duplicates}: one (sender, client message id) is stored more than once.
 *   <li>{@code gaps}: a conversation's seqs, which start at 1, skip a number; {@code repeatedSeqs}:
 *       two stored messages share one seq.
 *   <li>{@code reordered}: a send B issued after the ack of an earlier send A of the same sender in
 *       the same conversation got a lower seq than A. Sends in flight together (pipelined) have no
 *       order to keep; a send that was acked before the next one left does.
 *   <li>{@code strayDeliveries}: a connection of a user received a message of a conversation the
 *       user is not a member of; {@code nonMemberMessages}: history holds a message whose sender is
 *       not a member of its conversation.
 *   <li>{@code phantomDeliveries}: a message was pushed to a connection but history does not hold
 *       it at that seq (delivered before it was durable, then lost).
 * </ul>
 *
 * <p>{@code storedUnacked} is not a violation: it counts sends whose ack never arrived yet which
 * are stored, the evidence that a kill landed between the commit and the ack.
 */
public final class HistoryChecker {
  private static final int EXAMPLES_PER_KIND = 5;

  private HistoryChecker() {}

  /** A send as its client issued it: {@code issuedNanos} is the first attempt's time. */
  public record Send(String sender, String clientMsgId, String conversation, long issuedNanos) {}

  /** An ack as the sender received it; a retry of a stored send is acked with duplicate set. */
  public record Ack(
      String sender,
      String clientMsgId,
      String conversation,
      long seq,
      long ackedNanos,
      boolean duplicate) {}

  /** One message of history as the server returns it; system messages have an empty sender. */
  public record Stored(String conversation, long seq, String sender, String clientMsgId) {}

  /** A message pushed to a connection of {@code user}. */
  public record Delivery(String user, String conversation, long seq, String clientMsgId) {}

  /**
   * What to check.
   *
   * @param sends every client message id issued (at most one entry per sender and id)
   * @param acks every ack received, retries' acks included
   * @param history every stored message of every conversation (any order)
   * @param members the members of each conversation; a conversation missing here has none
   * @param deliveries every message pushed to a connection
   */
  public record Input(
      List<Send> sends,
      List<Ack> acks,
      List<Stored> history,
      Map<String, Set<String>> members,
      List<Delivery> deliveries) {}

  /** The figures of one check; {@link #ok()} when no guarantee was broken. */
  public record Report(
      long sent,
      long acked,
      long stored,
      long conversations,
      long lost,
      long mismatched,
      long duplicates,
      long gaps,
      long repeatedSeqs,
      long reordered,
      long strayDeliveries,
      long nonMemberMessages,
      long phantomDeliveries,
      long storedUnacked,
      List<String> examples) {

    /** True when nothing was lost, duplicated, skipped, reordered or delivered astray. */
    public boolean ok() {
      return lost == 0
          && mismatched == 0
          && duplicates == 0
          && gaps == 0
          && repeatedSeqs == 0
          && reordered == 0
          && strayDeliveries == 0
          && nonMemberMessages == 0
          && phantomDeliveries == 0;
    }

    /** The figures by name, in a stable order (for tables and JSON). */
    public Map<String, Object> fields() {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("sent", sent);
      f.put("acked", acked);
      f.put("stored", stored);
      f.put("conversations", conversations);
      f.put("lost", lost);
      f.put("mismatched", mismatched);
      f.put("duplicates", duplicates);
      f.put("gaps", gaps);
      f.put("repeatedSeqs", repeatedSeqs);
      f.put("reordered", reordered);
      f.put("strayDeliveries", strayDeliveries);
      f.put("nonMemberMessages", nonMemberMessages);
      f.put("phantomDeliveries", phantomDeliveries);
      f.put("storedUnacked", storedUnacked);
      return f;
    }
  }

  private record Key(String sender, String clientMsgId) {}

  /** Runs every check. */
  public static Report check(Input in) {
    Examples examples = new Examples();

    // History by (sender, client message id) and by conversation.
    Map<Key, List<Stored>> storedByKey = new HashMap<>();
    Map<String, List<Stored>> byConversation = new HashMap<>();
    for (Stored s : in.history()) {
      byConversation.computeIfAbsent(s.conversation(), c -> new ArrayList<>()).add(s);
      if (!s.clientMsgId().isEmpty()) {
        storedByKey
            .computeIfAbsent(new Key(s.sender(), s.clientMsgId()), k -> new ArrayList<>())
            .add(s);
      }
    }

    long duplicates = 0;
    for (Map.Entry<Key, List<Stored>> e : storedByKey.entrySet()) {
      if (e.getValue().size() > 1) {
        duplicates += e.getValue().size() - 1;
        examples.add(
            "duplicate", e.getKey() + " stored " + e.getValue().size() + " times: " + e.getValue());
      }
    }

    long gaps = 0;
    long repeatedSeqs = 0;
    Map<String, Map<Long, Stored>> bySeq = new HashMap<>();
    for (Map.Entry<String, List<Stored>> e : byConversation.entrySet()) {
      Map<Long, Stored> seqs = new HashMap<>();
      long max = 0;
      for (Stored s : e.getValue()) {
        if (seqs.putIfAbsent(s.seq(), s) != null) {
          repeatedSeqs++;
          examples.add("repeatedSeq", e.getKey() + " seq " + s.seq() + " stored twice");
        }
        max = Math.max(max, s.seq());
      }
      for (long seq = 1; seq <= max; seq++) {
        if (!seqs.containsKey(seq)) {
          gaps++;
          examples.add("gap", e.getKey() + " has no seq " + seq + " (last " + max + ")");
        }
      }
      bySeq.put(e.getKey(), seqs);
    }

    // Acks: lost, mismatched.
    Map<Key, List<Ack>> acksByKey = new HashMap<>();
    for (Ack a : in.acks()) {
      acksByKey
          .computeIfAbsent(new Key(a.sender(), a.clientMsgId()), k -> new ArrayList<>())
          .add(a);
    }
    long lost = 0;
    long mismatched = 0;
    for (Map.Entry<Key, List<Ack>> e : acksByKey.entrySet()) {
      List<Stored> stored = storedByKey.get(e.getKey());
      Ack first = e.getValue().get(0);
      if (stored == null) {
        lost++;
        examples.add(
            "lost",
            e.getKey()
                + " acked as "
                + first.conversation()
                + "#"
                + first.seq()
                + " but not in history");
        continue;
      }
      Stored s = stored.get(0);
      for (Ack a : e.getValue()) {
        if (!a.conversation().equals(s.conversation()) || a.seq() != s.seq()) {
          mismatched++;
          examples.add(
              "mismatched",
              e.getKey()
                  + " acked as "
                  + a.conversation()
                  + "#"
                  + a.seq()
                  + " but stored as "
                  + s.conversation()
                  + "#"
                  + s.seq());
          break;
        }
      }
    }

    // Sends: stored without an ack, and the order of each sender in each conversation.
    long storedUnacked = 0;
    Map<Key, Long> firstAck = new HashMap<>();
    acksByKey.forEach(
        (k, list) -> firstAck.put(k, list.stream().mapToLong(Ack::ackedNanos).min().orElseThrow()));
    Map<String, List<Send>> streams = new HashMap<>();
    Set<Key> seen = new HashSet<>();
    for (Send s : in.sends()) {
      Key k = new Key(s.sender(), s.clientMsgId());
      if (!seen.add(k)) {
        throw new IllegalArgumentException("two sends with one client message id: " + k);
      }
      if (storedByKey.containsKey(k) && !firstAck.containsKey(k)) {
        storedUnacked++;
      }
      streams.computeIfAbsent(s.sender() + "\n" + s.conversation(), x -> new ArrayList<>()).add(s);
    }
    long reordered = 0;
    for (List<Send> stream : streams.values()) {
      reordered += reorderedIn(stream, firstAck, storedByKey, examples);
    }

    // Membership of history and of deliveries; deliveries of messages history does not hold.
    long nonMemberMessages = 0;
    for (Stored s : in.history()) {
      if (!s.sender().isEmpty()
          && !in.members().getOrDefault(s.conversation(), Set.of()).contains(s.sender())) {
        nonMemberMessages++;
        examples.add("nonMemberMessage", s + " sent by a non-member");
      }
    }
    long stray = 0;
    long phantom = 0;
    for (Delivery d : in.deliveries()) {
      if (!in.members().getOrDefault(d.conversation(), Set.of()).contains(d.user())) {
        stray++;
        examples.add("strayDelivery", d + " pushed to a non-member");
      }
      Stored s = bySeq.getOrDefault(d.conversation(), Map.of()).get(d.seq());
      if (s == null || (!d.clientMsgId().isEmpty() && !d.clientMsgId().equals(s.clientMsgId()))) {
        phantom++;
        examples.add("phantomDelivery", d + " pushed but history holds " + s);
      }
    }

    Set<Key> acked = acksByKey.keySet();
    return new Report(
        in.sends().size(),
        acked.size(),
        in.history().size(),
        byConversation.size(),
        lost,
        mismatched,
        duplicates,
        gaps,
        repeatedSeqs,
        reordered,
        stray,
        nonMemberMessages,
        phantom,
        storedUnacked,
        examples.all);
  }

  /**
   * Sends of one sender in one conversation: each stored send must have a higher seq than every
   * stored send acked before it was issued. One sweep over issue times and ack times.
   */
  private static long reorderedIn(
      List<Send> stream,
      Map<Key, Long> firstAck,
      Map<Key, List<Stored>> stored,
      Examples examples) {
    List<Send> byIssue = new ArrayList<>(stream);
    byIssue.sort(Comparator.comparingLong(Send::issuedNanos));
    List<Send> byAck = new ArrayList<>();
    for (Send s : stream) {
      Key k = new Key(s.sender(), s.clientMsgId());
      if (firstAck.containsKey(k) && stored.containsKey(k)) {
        byAck.add(s);
      }
    }
    byAck.sort(Comparator.comparingLong(s -> firstAck.get(new Key(s.sender(), s.clientMsgId()))));
    long count = 0;
    int next = 0;
    long maxSeq = 0;
    @Nullable Send maxSend = null;
    for (Send b : byIssue) {
      while (next < byAck.size()) {
        Send a = byAck.get(next);
        if (firstAck.get(new Key(a.sender(), a.clientMsgId())) >= b.issuedNanos()) {
          break;
        }
        long seq = stored.get(new Key(a.sender(), a.clientMsgId())).get(0).seq();
        if (seq > maxSeq) {
          maxSeq = seq;
          maxSend = a;
        }
        next++;
      }
      List<Stored> mine = stored.get(new Key(b.sender(), b.clientMsgId()));
      if (mine != null && mine.get(0).seq() < maxSeq) {
        count++;
        examples.add(
            "reordered",
            b.sender()
                + " sent "
                + b.clientMsgId()
                + " after "
                + (maxSend == null ? "?" : maxSend.clientMsgId())
                + " was acked (seq "
                + maxSeq
                + ") in "
                + b.conversation()
                + ", but it got seq "
                + mine.get(0).seq());
      }
    }
    return count;
  }

  private static final class Examples {
    final List<String> all = new ArrayList<>();
    final Map<String, Integer> perKind = new HashMap<>();

    void add(String kind, String text) {
      if (perKind.merge(kind, 1, Integer::sum) <= EXAMPLES_PER_KIND) {
        all.add(kind + ": " + text);
      }
    }
  }
}
