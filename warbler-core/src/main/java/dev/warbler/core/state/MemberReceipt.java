package dev.warbler.core.state;

/**
 * How far one member has read and received a conversation; {@code deliveredSeq >= readSeq} always.
 */
public record MemberReceipt(String user, long readSeq, long deliveredSeq) {}
