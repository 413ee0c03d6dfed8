package dev.warbler.core.groups;

/** A pending request to join a group whose join policy is APPROVAL. */
public record JoinRequest(String user, String message, long requestedAt) {}
