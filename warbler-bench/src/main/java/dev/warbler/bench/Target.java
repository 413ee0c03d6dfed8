package dev.warbler.bench;

import java.net.URI;
import java.util.List;

/**
 * The server under load: its REST base, WebSocket URI, admin key and app, and its process id when
 * this bench spawned it (-1 otherwise), for RSS readings. {@code nodes} holds the WebSocket URI of
 * every node of a cluster ({@code ws} first); one node: just {@code ws}.
 */
public record Target(
    URI http, URI ws, String adminKey, String app, long pid, String serverCpus, List<URI> nodes) {

  public Target {
    nodes = nodes.isEmpty() ? List.of(ws) : List.copyOf(nodes);
  }

  public Target(URI http, URI ws, String adminKey, String app, long pid, String serverCpus) {
    this(http, ws, adminKey, app, pid, serverCpus, List.of(ws));
  }

  /** This target with the WebSocket URIs of every node of its cluster. */
  public Target withNodes(List<URI> all) {
    return new Target(http, ws, adminKey, app, pid, serverCpus, all);
  }

  /** This target in another app. */
  public Target withApp(String otherApp) {
    return new Target(http, ws, adminKey, otherApp, pid, serverCpus, nodes);
  }
}
