package dev.warbler.sdk;

import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Error;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The server refused a request: an {@code error} frame on the WebSocket, or an {@code
 * application/problem+json} answer from the REST API. {@link #error()} carries the catalog code,
 * its name, the server's message and whether the same request may succeed later.
 */
public final class WarblerClientException extends RuntimeException {
  private final Error error;
  private final int httpStatus;

  /** An error answered on the WebSocket. */
  public WarblerClientException(Error error) {
    this(error, 0);
  }

  /** An error answered by the REST API with HTTP status {@code httpStatus}. */
  public WarblerClientException(Error error, int httpStatus) {
    super(error.getName() + " (" + error.getCode() + "): " + error.getMessage());
    this.error = error;
    this.httpStatus = httpStatus;
  }

  /** Builds the exception for a catalog code, as the SDK itself does for client-side limits. */
  static WarblerClientException of(ErrorCode code, String message) {
    return new WarblerClientException(
        Error.newBuilder()
            .setCode(code.code())
            .setName(code.name())
            .setMessage(message)
            .setRetryable(code.retryable())
            .build());
  }

  public Error error() {
    return error;
  }

  /** The stable numeric code from the error catalog. */
  public int code() {
    return error.getCode();
  }

  /** The code's name as the server spelled it (names may change, codes never). */
  public String name() {
    return error.getName();
  }

  /** Whether the same request may succeed later unchanged. */
  public boolean retryable() {
    return error.getRetryable();
  }

  /** The catalog entry for {@link #code()}, if this SDK knows it. */
  public Optional<ErrorCode> errorCode() {
    return ErrorCode.of(error.getCode());
  }

  /** The HTTP status for errors from the REST API; empty for WebSocket errors. */
  public OptionalInt httpStatus() {
    return httpStatus == 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
  }
}
