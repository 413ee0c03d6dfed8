package dev.warbler.core.spi;

/** Sizes of one user's contact lists, for the limits. */
public record ContactCounts(int friends, int blocked, int outgoingRequests) {}
