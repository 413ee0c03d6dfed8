package dev.warbler.core.contacts;

/**
 * Contact limits, each a named configuration value (see {@code warbler config defaults}).
 *
 * @param maxFriends friends per user; bounds the friend list
 * @param maxBlocked blocked users per user; bounds the block list
 * @param maxPendingRequests outgoing requests waiting for an answer; bounds request spam
 * @param maxRequestMessageBytes the note of a friend request, UTF-8 bytes
 * @param pageMax entries in one page of a contact list; bounds one response
 */
public record ContactLimits(
    int maxFriends,
    int maxBlocked,
    int maxPendingRequests,
    int maxRequestMessageBytes,
    int pageMax) {

  public static final ContactLimits DEFAULTS = new ContactLimits(10_000, 10_000, 200, 512, 200);

  public ContactLimits {
    positive("max friends", maxFriends);
    positive("max blocked", maxBlocked);
    positive("max pending friend requests", maxPendingRequests);
    positive("max friend request message bytes", maxRequestMessageBytes);
    positive("contact page max", pageMax);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
