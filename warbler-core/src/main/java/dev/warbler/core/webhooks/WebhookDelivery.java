package dev.warbler.core.webhooks;

/**
 * One event on its way to one subscription: a row of the outbox and, once settled, of the delivery
 * log. {@code body} is the JSON envelope exactly as it is signed and sent. {@code eventId} is the
 * same for every subscription that gets the event (receivers dedup by it); {@code id} is this
 * delivery's.
 */
public record WebhookDelivery(
    String app,
    String id,
    String subscription,
    String eventId,
    String type,
    String body,
    Status status,
    int attempts,
    long nextAttemptAt,
    String lastError,
    int responseCode,
    long createdAt,
    long updatedAt) {

  /** Where a delivery stands. */
  public enum Status {
    /** Waiting for its next attempt (the first included). */
    PENDING,
    /** The receiver answered 2xx. */
    DELIVERED,
    /** Out of attempts or age, or refused for good (410, SSRF); replayable. */
    FAILED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** This delivery after an attempt or a replay. */
  public WebhookDelivery settled(
      Status status, int attempts, long nextAttemptAt, String lastError, int code, long now) {
    return new WebhookDelivery(
        app,
        id,
        subscription,
        eventId,
        type,
        body,
        status,
        attempts,
        nextAttemptAt,
        lastError,
        code,
        createdAt,
        now);
  }
}
