package dev.warbler.jmh;

import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;

/** Typical payloads shared by the benchmarks. */
final class Samples {
  /** A 100-byte text, the payload of the published peers' figures and of the bench tool. */
  static final String TEXT_100 = "x".repeat(100);

  static final String APP = "bench";

  private Samples() {}

  /** A stored 100-byte text message as the core hands it to a connection. */
  static ChatMessage message(ConversationId conversation) {
    return new ChatMessage(
        APP,
        conversation,
        42_317,
        "01jd3k5m7n9p1q3r5s7t9v1w3x",
        "c-8f14e45fceea167a5a36dedd4bea2543",
        "alice",
        MessageType.TEXT,
        TEXT_100,
        "",
        1_764_000_000_000L);
  }
}
