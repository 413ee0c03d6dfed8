package dev.warbler.core.directory;

/** A user of one app. */
public record User(String app, String id, String name, long createdAt) {}
