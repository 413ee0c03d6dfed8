package dev.warbler.protocol;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;

/**
 * Converts frames to and from their wire bytes. Implementations are stateless and thread-safe;
 * decoding never throws: bad input is a {@link Decoded.Malformed}.
 */
public interface FrameCodec {
  Decoded decodeClient(byte[] wire);

  byte[] encodeServer(ServerFrame frame);

  /** Client side: encodes a request. */
  byte[] encodeClient(ClientFrame frame);

  /** Client side: decodes a server frame; throws {@link IllegalArgumentException} if bad. */
  ServerFrame decodeServer(byte[] wire);
}
