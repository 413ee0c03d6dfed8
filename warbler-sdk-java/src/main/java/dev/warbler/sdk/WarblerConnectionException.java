package dev.warbler.sdk;

import dev.warbler.protocol.CloseCode;
import java.util.Optional;

/**
 * There is no usable connection: the client is not connected, the connection was lost or closed by
 * the server, or the server could not be reached. {@link #closeCode()} is the WebSocket close code
 * ({@value #ABNORMAL} when the connection broke without a close frame or never opened).
 */
public final class WarblerConnectionException extends RuntimeException {
  /** RFC 6455's code for "closed without a close frame" (network failure, refused, timed out). */
  public static final int ABNORMAL = 1006;

  private final int closeCode;
  private final String reason;

  public WarblerConnectionException(int closeCode, String reason) {
    this(closeCode, reason, null);
  }

  public WarblerConnectionException(
      int closeCode, String reason, @org.jspecify.annotations.Nullable Throwable cause) {
    super(describe(closeCode, reason), cause);
    this.closeCode = closeCode;
    this.reason = reason;
  }

  public int closeCode() {
    return closeCode;
  }

  public String reason() {
    return reason;
  }

  /** The catalog entry for {@link #closeCode()}, if it is one. */
  public Optional<CloseCode> knownCloseCode() {
    return CloseCode.of(closeCode);
  }

  /**
   * Whether a client should reconnect after this close: the catalog says so for known codes;
   * otherwise 4100-4199 mean stop and everything else (network failures included) means retry.
   */
  public static boolean shouldReconnect(int closeCode) {
    return CloseCode.of(closeCode)
        .map(CloseCode::reconnect)
        .orElse(closeCode < 4100 || closeCode > 4199);
  }

  private static String describe(int closeCode, String reason) {
    String name =
        CloseCode.of(closeCode)
            .map(Enum::name)
            .orElse(closeCode == ABNORMAL ? "ABNORMAL" : "CLOSED");
    return name + " (" + closeCode + "): " + reason;
  }
}
