package dev.warbler.core.contacts;

/** A pending request from {@code from} to {@code to} to become friends. */
public record FriendRequest(String app, String from, String to, String message, long createdAt) {}
