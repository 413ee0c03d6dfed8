package dev.warbler.sdk;

import java.net.URI;
import java.util.List;

/**
 * What {@code GET /v1/discovery} tells a client: where the WebSocket listens, which subprotocols it
 * speaks and the server's version.
 */
public record Discovery(URI websocket, List<String> protocols, String version) {
  public Discovery {
    protocols = List.copyOf(protocols);
  }
}
