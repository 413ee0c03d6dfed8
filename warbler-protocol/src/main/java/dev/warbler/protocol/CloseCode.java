package dev.warbler.protocol;

import java.util.Arrays;
import java.util.Optional;

/**
 * WebSocket close codes. Codes 4000-4099 mean "reconnect (with backoff) and sync"; codes 4100-4199
 * mean "do not reconnect with the same credentials". Standard codes keep their RFC 6455 meaning.
 */
public enum CloseCode {
  NORMAL(1000, true, "normal closure"),
  GOING_AWAY(1001, true, "server shutting down; reconnect elsewhere"),
  PROTOCOL_ERROR(1002, false, "WebSocket protocol violation"),
  UNSUPPORTED_DATA(1003, false, "text frame on the binary subprotocol or the reverse"),
  INVALID_PAYLOAD(1007, false, "invalid UTF-8 in a text frame"),
  POLICY_VIOLATION(1008, false, "WebSocket pings or pongs sent faster than allowed"),
  TOO_BIG(1009, false, "frame larger than the maximum frame size"),
  INTERNAL_ERROR(1011, true, "unexpected server error"),
  TRY_AGAIN_LATER(
      1013,
      true,
      "too many failed authentications from this address; reconnect after the retry-after"),
  SLOW_CONSUMER(4000, true, "outbound queue full; reconnect and sync"),
  IDLE_TIMEOUT(4001, true, "nothing received within the idle timeout"),
  AUTH_FAILED(4100, false, "the auth token was rejected"),
  AUTH_TIMEOUT(4101, false, "no auth frame within the auth timeout"),
  TOKEN_EXPIRED(4102, false, "the token expired; get a new one before reconnecting"),
  USER_REMOVED(4103, false, "the user was deleted"),
  NOT_AUTHENTICATED(4104, false, "a request was sent before auth"),
  USER_BANNED(4105, false, "the user is banned from the app"),
  TOKEN_REVOKED(4106, false, "the token was revoked; get a new one before reconnecting"),
  TOO_MANY_CONNECTIONS(
      4107, false, "the user has too many connections open; close one before connecting again");

  private final int code;
  private final boolean reconnect;
  private final String description;

  CloseCode(int code, boolean reconnect, String description) {
    this.code = code;
    this.reconnect = reconnect;
    this.description = description;
  }

  public int code() {
    return code;
  }

  /** Whether a client should reconnect after this close. */
  public boolean reconnect() {
    return reconnect;
  }

  public String description() {
    return description;
  }

  public static Optional<CloseCode> of(int code) {
    return Arrays.stream(values()).filter(c -> c.code == code).findFirst();
  }
}
