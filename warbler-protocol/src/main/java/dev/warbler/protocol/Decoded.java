package dev.warbler.protocol;

import dev.warbler.protocol.v1.ClientFrame;

/** The result of decoding one inbound frame: a frame, or the reason it is not one. */
public sealed interface Decoded {
  record Frame(ClientFrame frame) implements Decoded {}

  /**
   * Undecodable input (answered MALFORMED_FRAME); {@code requestId} is recovered when possible so
   * errors correlate, and {@code reason} says what is wrong without naming any implementation.
   */
  record Malformed(String requestId, String reason) implements Decoded {}

  /**
   * Well-formed input that breaks a rule the schema cannot hold a value for: two members of one
   * {@code oneof} set, such as a {@code send} with both {@code user} and {@code group} (answered
   * INVALID_ARGUMENT). {@code reason} names the fields as the client's encoding names them.
   */
  record Invalid(String requestId, String reason) implements Decoded {}
}
