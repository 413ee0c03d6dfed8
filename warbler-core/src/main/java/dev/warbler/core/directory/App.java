package dev.warbler.core.directory;

/** A tenant. Its users, conversations and secret are invisible to every other app. */
public record App(String id, String name, String secret, long createdAt) {}
