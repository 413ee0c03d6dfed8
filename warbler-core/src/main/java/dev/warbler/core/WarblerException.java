package dev.warbler.core;

import dev.warbler.protocol.ErrorCode;

/** A failure with a catalog code, safe to show to the caller (never carries internals). */
public final class WarblerException extends RuntimeException {
  private final ErrorCode code;
  private final long retryAfterMillis;

  public WarblerException(ErrorCode code, String message) {
    this(code, message, 0);
  }

  public WarblerException(ErrorCode code, String message, long retryAfterMillis) {
    super(message, null, false, false);
    this.code = code;
    this.retryAfterMillis = retryAfterMillis;
  }

  public ErrorCode code() {
    return code;
  }

  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
