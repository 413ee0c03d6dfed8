package dev.warbler.core.audit;

/**
 * One security-relevant event, as {@link Audit} records it.
 *
 * @param time when it happened (epoch ms)
 * @param app the app it concerns; empty for server-wide events (a bad admin key)
 * @param actor who acted: {@code admin} (the root admin key), {@code app:ID} (an app's secret),
 *     {@code user:ID} (a user's token) or {@code anonymous}
 * @param ip the caller's address; empty when unknown
 * @param action what was attempted, for example {@code user.ban}; see {@link Audit}
 * @param target what it was done to (a user, a group, a conversation); may be empty
 * @param outcome {@code ok}, {@code denied} or {@code failed}
 * @param error the error code name when the outcome is not {@code ok}, else empty
 * @param count how many occurrences the entry stands for (coalesced failures), at least 1
 * @param detail free text (a reason, a token id); never a secret
 */
public record AuditEvent(
    long time,
    String app,
    String actor,
    String ip,
    String action,
    String target,
    String outcome,
    String error,
    long count,
    String detail) {
  public static final String OK = "ok";
  public static final String DENIED = "denied";
  public static final String FAILED = "failed";
}
