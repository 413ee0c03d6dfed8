package dev.warbler.core;

/**
 * A stored {@link AuditEvent}: its position in the log ({@code seq}, from 1, no gaps) and the hash
 * chain, {@code hash = SHA-256(prevHash || canonical(seq, event))} in hex (see {@link AuditChain}).
 */
public record AuditRecord(long seq, AuditEvent event, String prevHash, String hash) {}
