package dev.warbler.api;

import java.time.Duration;

/**
 * Deadlines of the REST listener against clients that hold connections without finishing requests
 * (slowloris and slow bodies). Jetty's idle timeout restarts with every byte, so a client sending
 * one byte just inside it would hold a connection forever; the header and body deadlines count from
 * the first byte of a request and do not restart.
 *
 * @param idle a connection with no traffic either way for this long is closed (Jetty's idle
 *     timeout; also bounds a response the client stops reading and an idle keep-alive connection)
 * @param header the request line and headers must arrive within this long of the request's first
 *     byte; a new connection must also send its first request within it
 * @param body the whole body must arrive within this long of the request's first byte
 */
public record HttpTimeouts(Duration idle, Duration header, Duration body) {
  public static final HttpTimeouts DEFAULTS =
      new HttpTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(30));

  public HttpTimeouts {
    positive("http idle timeout", idle);
    positive("http header timeout", header);
    positive("http body timeout", body);
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
