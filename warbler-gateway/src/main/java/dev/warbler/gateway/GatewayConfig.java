package dev.warbler.gateway;

import java.time.Duration;
import java.util.List;

/**
 * Settings of the WebSocket gateway ({@code gateway.*}).
 *
 * @param host interface to bind; {@code 0.0.0.0} listens on every interface
 * @param port TCP port; 0 picks a free ephemeral port (see {@link Gateway#start()})
 * @param path the only HTTP path that upgrades to WebSocket; every other path answers 404
 * @param maxFrameBytes largest WebSocket message (after reassembling fragments) a client may send;
 *     bounds the memory one inbound frame takes. Larger messages close the connection with 1009
 * @param idleTimeout a connection that sends nothing (not even a WebSocket ping) for this long is
 *     closed with 4001; bounds how long a dead client holds a slot
 * @param authTimeout time from the WebSocket handshake to a successful {@code auth}; bounds
 *     unauthenticated connections. Exceeded: close 4101
 * @param handshakeTimeout time from TCP accept to a completed WebSocket upgrade; bounds half-open
 *     HTTP connections
 * @param maxOutboundBytes bytes queued for one connection beyond which the client is a slow
 *     consumer and is closed with 4000; bounds memory per connection
 * @param allowedOrigins exact {@code Origin} header values allowed to upgrade (for browsers); empty
 *     allows any origin. Requests without an {@code Origin} header (non-browser clients) are
 *     allowed
 * @param compression whether to negotiate permessage-deflate; off by default because small chat
 *     frames compress poorly and deflate costs memory per connection
 * @param socketSendBufferBytes the kernel send buffer (SO_SNDBUF) of each client socket; 0 leaves
 *     it to the OS, which grows it up to {@code net.ipv4.tcp_wmem}'s maximum (4 MiB on Linux by
 *     default). A client that stops reading holds this much kernel memory on top of {@code
 *     maxOutboundBytes} of heap
 */
public record GatewayConfig(
    String host,
    int port,
    String path,
    int maxFrameBytes,
    Duration idleTimeout,
    Duration authTimeout,
    Duration handshakeTimeout,
    int maxOutboundBytes,
    List<String> allowedOrigins,
    boolean compression,
    int socketSendBufferBytes) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 7070;
  public static final String DEFAULT_PATH = "/ws";
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_OUTBOUND_BYTES = 1024 * 1024;

  public GatewayConfig {
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0-65535 but was " + port);
    }
    if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
      throw new IllegalArgumentException(
          "path must start with / and have no query or fragment but was '" + path + "'");
    }
    positive("max frame bytes", maxFrameBytes);
    positive("idle timeout", idleTimeout);
    positive("auth timeout", authTimeout);
    positive("handshake timeout", handshakeTimeout);
    positive("max outbound bytes", maxOutboundBytes);
    if (socketSendBufferBytes < 0) {
      throw new IllegalArgumentException(
          "socket send buffer bytes must be 0 (OS default) or positive but was "
              + socketSendBufferBytes);
    }
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  /** The documented defaults: port 7070, path /ws, 64 KiB frames, 1 MiB outbound, no deflate. */
  public static GatewayConfig defaults() {
    return new GatewayConfig(
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_PATH,
        DEFAULT_MAX_FRAME_BYTES,
        DEFAULT_IDLE_TIMEOUT,
        DEFAULT_AUTH_TIMEOUT,
        DEFAULT_HANDSHAKE_TIMEOUT,
        DEFAULT_MAX_OUTBOUND_BYTES,
        List.of(),
        false,
        0);
  }

  public GatewayConfig withHost(String host) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withPort(int port) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withMaxFrameBytes(int maxFrameBytes) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withIdleTimeout(Duration idleTimeout) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withAuthTimeout(Duration authTimeout) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withHandshakeTimeout(Duration handshakeTimeout) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withMaxOutboundBytes(int maxOutboundBytes) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withAllowedOrigins(List<String> allowedOrigins) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withCompression(boolean compression) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  public GatewayConfig withSocketSendBufferBytes(int socketSendBufferBytes) {
    return new GatewayConfig(
        host,
        port,
        path,
        maxFrameBytes,
        idleTimeout,
        authTimeout,
        handshakeTimeout,
        maxOutboundBytes,
        allowedOrigins,
        compression,
        socketSendBufferBytes);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
