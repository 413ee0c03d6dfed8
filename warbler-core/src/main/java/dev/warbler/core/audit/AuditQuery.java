package dev.warbler.core.audit;

/**
 * A filter over the audit log; empty strings and zero times match everything. {@code since} is
 * inclusive, {@code until} exclusive (epoch ms).
 */
public record AuditQuery(String app, String action, String actor, long since, long until) {
  public static final AuditQuery ALL = new AuditQuery("", "", "", 0, 0);
}
