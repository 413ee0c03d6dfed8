package dev.warbler.protocol;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;

/**
 * Converts frames to and from their wire bytes. Implementations are stateless and thread-safe;
 * decoding never throws: bad input is a {@link Decoded.Malformed} or {@link Decoded.Invalid}.
 */
public interface FrameCodec {
  Decoded decodeClient(byte[] wire);

  /**
   * The request id of a client frame, decoding nothing else: for answering a frame that will not be
   * served (a rate-limited connection's backlog). Empty when the frame has none or it cannot be
   * found; never throws.
   */
  String requestId(byte[] wire);

  /**
   * A server frame's wire bytes. An {@code error}'s message names fields as this encoding does (see
   * {@link FieldNames}).
   */
  byte[] encodeServer(ServerFrame frame);

  /** Client side: encodes a request. */
  byte[] encodeClient(ClientFrame frame);

  /** Client side: decodes a server frame; throws {@link IllegalArgumentException} if bad. */
  ServerFrame decodeServer(byte[] wire);
}
