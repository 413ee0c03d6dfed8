package dev.warbler.core.messaging;

/** A notification template: text with {@code {field}} placeholders. */
public record Template(String id, String text, long updatedAt) {}
