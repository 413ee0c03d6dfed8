package dev.warbler.core.contacts;

/** A friend or a blocked user in a user's list, and since when (ms since the epoch). */
public record ContactEntry(String user, long since) {}
