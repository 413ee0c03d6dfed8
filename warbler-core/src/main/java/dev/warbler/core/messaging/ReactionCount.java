package dev.warbler.core.messaging;

/**
 * How many users react to a message with one emoji; {@code mine} says whether the reader is one of
 * them (known in per-user reads only: pull and history).
 */
public record ReactionCount(String emoji, long count, boolean mine) {}
