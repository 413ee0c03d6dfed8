package dev.warbler.core.state;

/**
 * Whether a user is online (has a connection) and when it was last seen, in epoch milliseconds: the
 * time of the answer for an online user, the end of its last connection for an offline one, 0 when
 * never seen. Between an answer and an event about the same user, the larger {@code lastSeen} is
 * the newer news.
 */
public record PresenceState(String user, boolean online, long lastSeen) {}
