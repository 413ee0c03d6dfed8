package dev.warbler.protocol;

import dev.warbler.protocol.v1.ClientFrame;

/** The result of decoding one inbound frame: a frame, or the reason it is not one. */
public sealed interface Decoded {
  record Frame(ClientFrame frame) implements Decoded {}

  /** Undecodable input; {@code requestId} is recovered when possible so errors correlate. */
  record Malformed(String requestId, String reason) implements Decoded {}
}
