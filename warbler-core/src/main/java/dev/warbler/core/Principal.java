package dev.warbler.core;

/** An authenticated user of an app, as proved by a token. */
public record Principal(String app, String user) {}
