package dev.warbler.core.audit;

/**
 * A stored {@link AuditEvent}: its position in the whole log ({@code seq}, from 1, no gaps), its
 * position among its app's entries ({@code appSeq}, from 1, no gaps: what an app's own view shows,
 * so that it learns nothing of other apps' activity), and the chain (see {@link AuditChain}):
 * {@code hash} is the HMAC-SHA256 of the entry under the server's audit key when {@code keyed}, or
 * for entries written before the chain was keyed the plain SHA-256 of the previous hash and the
 * entry.
 */
public record AuditRecord(
    long seq, long appSeq, AuditEvent event, String prevHash, String hash, boolean keyed) {}
