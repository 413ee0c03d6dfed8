package dev.warbler.protocol;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one catalog of errors, shared by the WebSocket protocol, the REST API and the SDKs. Names may
 * change, codes never. {@code retryable} tells a client whether the same request may succeed later
 * unchanged.
 */
public enum ErrorCode {
  BAD_REQUEST(1000, 400, false, "the request is invalid"),
  MALFORMED_FRAME(1001, 400, false, "the frame could not be decoded"),
  UNKNOWN_FRAME(1002, 400, false, "the frame type is not known to this server"),
  MESSAGE_TOO_LARGE(1003, 413, false, "the message is larger than allowed"),
  INVALID_ARGUMENT(1004, 400, false, "a field has an invalid value"),
  METHOD_NOT_ALLOWED(1005, 405, false, "the path exists but not with this HTTP method"),
  UNAUTHENTICATED(2000, 401, false, "credentials are missing"),
  TOKEN_INVALID(2001, 401, false, "the token is malformed or its signature is wrong"),
  TOKEN_EXPIRED(2002, 401, false, "the token has expired"),
  WRONG_APP(2003, 401, false, "the credentials belong to another app"),
  ALREADY_AUTHENTICATED(2004, 400, false, "the connection is already authenticated"),
  USER_BANNED(2005, 403, false, "the user is banned from the app"),
  TOKEN_REVOKED(2006, 401, false, "the token was revoked; get a new one"),
  FORBIDDEN(3000, 403, false, "the caller may not do this"),
  NOT_MEMBER(3001, 403, false, "the user is not a member of the conversation"),
  BLOCKED(3002, 403, false, "the recipient has blocked the sender"),
  MUTED(3003, 403, false, "the sender is muted in this conversation"),
  BANNED(3004, 403, false, "the user is banned from this group"),
  MESSAGE_REJECTED(3005, 403, false, "the app's before-send hook rejected the message"),
  CONTENT_REJECTED(
      3010, 403, false, "the message contains a word the app's sensitive-word filter rejects"),
  NOT_FOUND(4000, 404, false, "the resource does not exist"),
  USER_NOT_FOUND(4001, 404, false, "the user does not exist"),
  GROUP_NOT_FOUND(4002, 404, false, "the group does not exist"),
  CONVERSATION_NOT_FOUND(4003, 404, false, "the conversation does not exist"),
  APP_NOT_FOUND(4004, 404, false, "the app does not exist"),
  MESSAGE_NOT_FOUND(4010, 404, false, "no message has this seq in the conversation"),
  ALREADY_EXISTS(4090, 409, false, "the resource already exists"),
  ENCRYPTION_NOT_CONFIGURED(
      4091, 409, false, "encryption at rest needs a master key in the server configuration"),
  USER_ID_RETIRED(
      4092, 409, false, "the user id belonged to a deleted user and is never used again"),
  LIMIT_EXCEEDED(4220, 422, false, "a configured limit was reached"),
  RATE_LIMITED(4290, 429, true, "too many requests; retry later"),
  INTERNAL(5000, 500, true, "internal error"),
  UNAVAILABLE(5030, 503, true, "the server is overloaded or shutting down; retry later");

  private static final Map<Integer, ErrorCode> BY_CODE =
      Arrays.stream(values()).collect(Collectors.toMap(ErrorCode::code, Function.identity()));

  private final int code;
  private final int httpStatus;
  private final boolean retryable;
  private final String description;

  ErrorCode(int code, int httpStatus, boolean retryable, String description) {
    this.code = code;
    this.httpStatus = httpStatus;
    this.retryable = retryable;
    this.description = description;
  }

  public int code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public boolean retryable() {
    return retryable;
  }

  public String description() {
    return description;
  }

  public static Optional<ErrorCode> of(int code) {
    return Optional.ofNullable(BY_CODE.get(code));
  }
}
