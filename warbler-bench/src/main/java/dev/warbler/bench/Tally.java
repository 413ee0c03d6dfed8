package dev.warbler.bench;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What was sent, acked and delivered, keyed by (receiver, conversation, seq). {@code lost} is what
 * the server acked but the receiver never got; {@code duplicates} counts deliveries of a key
 * already delivered to the same receiver. Thread-safe.
 */
final class Tally {
  private final LongAdder sent = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final Set<String> acked = ConcurrentHashMap.newKeySet();
  private final Set<String> delivered = ConcurrentHashMap.newKeySet();
  private final Set<String> deliveredAcked = ConcurrentHashMap.newKeySet();

  static String key(String receiver, String conversation, long seq) {
    return receiver + '|' + conversation + '#' + seq;
  }

  void recordSent() {
    sent.increment();
  }

  void acked(String receiver, String conversation, long seq) {
    String key = key(receiver, conversation, seq);
    acked.add(key);
    if (delivered.contains(key)) {
      deliveredAcked.add(key);
    }
  }

  /** Records a delivery; false when it is a duplicate. */
  boolean delivered(String receiver, String conversation, long seq) {
    String key = key(receiver, conversation, seq);
    if (!delivered.add(key)) {
      duplicates.increment();
      return false;
    }
    if (acked.contains(key)) {
      deliveredAcked.add(key);
    }
    return true;
  }

  long sent() {
    return sent.sum();
  }

  long acked() {
    return acked.size();
  }

  long delivered() {
    return delivered.size();
  }

  long duplicates() {
    return duplicates.sum();
  }

  /** Acked but not (yet) delivered. */
  long lost() {
    return acked.size() - deliveredAcked.size();
  }
}
