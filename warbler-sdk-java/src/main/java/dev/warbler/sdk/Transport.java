package dev.warbler.sdk;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Opens frame-level WebSocket links. The seam between the client's logic and the network. */
interface Transport {

  /**
   * Opens a link offering {@code encoding}'s subprotocol. The future fails if the handshake fails,
   * takes longer than {@code timeout}, or the server does not select the subprotocol.
   */
  CompletableFuture<Link> open(URI uri, Encoding encoding, Duration timeout, Inbound inbound);

  /** One open WebSocket. Thread-safe. */
  interface Link {
    /** Queues a frame for sending; sends never overlap. Failures surface as a close. */
    void send(ClientFrame frame);

    /** Starts a clean close with {@code code}. */
    void close(int code, String reason);

    /** Drops the connection at once, without a close handshake. */
    void abort();
  }

  /**
   * Receives one link's events. Frames arrive in wire order on one thread at a time; {@link
   * #onClosed} is called at most once and nothing follows it.
   */
  interface Inbound {
    void onFrame(ServerFrame frame);

    void onClosed(int code, String reason);
  }
}
