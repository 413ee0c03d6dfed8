package dev.warbler.core.contacts;

/**
 * How one user stands with another ({@code user}).
 *
 * @param requestSent a request from the first user to {@code user} is pending
 * @param requestReceived a request from {@code user} to the first user is pending
 * @param blocked the first user has blocked {@code user}
 */
public record Relation(
    String user, boolean friend, boolean requestSent, boolean requestReceived, boolean blocked) {}
