package dev.warbler.core;

/** A notification template: text with {@code {field}} placeholders. */
public record Template(String id, String text, long updatedAt) {}
