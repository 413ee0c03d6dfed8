package dev.warbler.bench;

import java.net.URI;

/**
 * The server under load: its REST base, WebSocket URI, admin key and app, and its process id when
 * this bench spawned it (-1 otherwise), for RSS readings.
 */
public record Target(URI http, URI ws, String adminKey, String app, long pid, String serverCpus) {}
