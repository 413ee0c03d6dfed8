package dev.warbler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.warbler.protocol.ErrorCode;

/** An RFC 9457 problem document carrying the shared error catalog's code. */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Problem(
    String type,
    String title,
    int status,
    String detail,
    int code,
    boolean retryable,
    long retryAfterMs) {

  public static final String CONTENT_TYPE = "application/problem+json";

  public static Problem of(ErrorCode code, String detail, long retryAfterMs) {
    return new Problem(
        "https://warbler.dev/errors/" + code.name(),
        code.name(),
        code.httpStatus(),
        detail,
        code.code(),
        code.retryable(),
        retryAfterMs);
  }
}
