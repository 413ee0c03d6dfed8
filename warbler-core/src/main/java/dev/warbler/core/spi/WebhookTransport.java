package dev.warbler.core.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Posts one webhook request. Implementations check the target against the deployment's address
 * rules before connecting, follow no redirect and bound the time and the response they read.
 * Thread-safe; blocks for at most its timeout (call it from a virtual thread).
 */
public interface WebhookTransport {

  /** What came of a post. */
  sealed interface Outcome {
    /** The receiver answered with {@code status}; {@code body} is its start, for the log. */
    record Answered(int status, String body) implements Outcome {}

    /** No answer: connection refused, timeout, TLS failure; worth retrying. */
    record Failed(String reason) implements Outcome {}

    /** Refused before connecting (a forbidden address or scheme); retrying cannot help. */
    record Refused(String reason) implements Outcome {}
  }

  Outcome post(String url, Map<String, String> headers, String body);

  /** As above with its own timeout and answer size (the before-send hook's). */
  Outcome post(
      String url, Map<String, String> headers, String body, Duration timeout, int maxAnswerBytes);

  /**
   * Why a target would be refused now (scheme, a forbidden address its host resolves to), or empty;
   * checked when a subscription is saved so that a mistake is reported at once. Delivery checks
   * again (addresses change).
   */
  Optional<String> refusal(String url);
}
