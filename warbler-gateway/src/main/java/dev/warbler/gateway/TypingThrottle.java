package dev.warbler.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One connection's typing rate limit: at most one typing event per conversation per interval,
 * except that a stop right after a forwarded start always passes (so nobody is left "typing"). Also
 * remembers whether a conversation's LIMIT_EXCEEDED refusal was already reported to a client that
 * sends typing without a request id. Thread-safe.
 */
final class TypingThrottle {
  /**
   * Conversations whose typing state one connection remembers; bounds memory per connection. A
   * forgotten conversation just starts afresh.
   */
  static final int MAX_CONVERSATIONS = 64;

  private static final class State {
    long forwardedAt;
    boolean active;
    boolean refusalReported;
  }

  private final long intervalMillis;
  private final Map<String, State> entries =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
          return size() > MAX_CONVERSATIONS;
        }
      };

  TypingThrottle(long intervalMillis) {
    this.intervalMillis = intervalMillis;
  }

  /** Whether to forward this typing event; if so, it counts as forwarded at {@code now}. */
  synchronized boolean allow(String conversation, boolean active, long now) {
    State e = entries.get(conversation);
    boolean forward = e == null || now - e.forwardedAt >= intervalMillis || (!active && e.active);
    if (forward) {
      if (e == null) {
        e = new State();
        entries.put(conversation, e);
      }
      e.forwardedAt = now;
      e.active = active;
    }
    return forward;
  }

  /** True the first time it is asked for a conversation (until the entry is forgotten). */
  synchronized boolean firstRefusal(String conversation) {
    State e = entries.computeIfAbsent(conversation, c -> new State());
    boolean first = !e.refusalReported;
    e.refusalReported = true;
    return first;
  }
}
