package dev.warbler.core.spi;

import dev.warbler.core.contacts.ContactEntry;
import dev.warbler.core.contacts.FriendRequest;
import java.util.List;
import java.util.Optional;

/**
 * Friend requests, friendships and block lists. Friendship is symmetric; a request and a block are
 * directed. Writes are durable when the method returns; each write is atomic. Lists are ordered by
 * the other user's id and read after an exclusive {@code after} id ({@code ""} = from the first).
 * Thread-safe; methods may block on I/O.
 */
public interface ContactStore {

  Optional<FriendRequest> friendRequest(String app, String from, String to);

  /** Stores a pending request, replacing the message and time of one already pending. */
  void putFriendRequest(FriendRequest request);

  /** Deletes a pending request; false if there was none. */
  boolean deleteFriendRequest(String app, String from, String to);

  /** Pending requests sent to {@code user} (incoming) or by it ({@code outgoing}). */
  List<FriendRequest> friendRequests(
      String app, String user, boolean outgoing, String after, int limit);

  /**
   * Makes {@code a} and {@code b} friends and deletes the pending requests between them, in one
   * transaction; false (and nothing changed) if they were friends already.
   */
  boolean addFriends(String app, String a, String b, long since);

  /** Ends a friendship; false if there was none. */
  boolean removeFriends(String app, String a, String b);

  boolean areFriends(String app, String a, String b);

  List<ContactEntry> friends(String app, String user, String after, int limit);

  /**
   * {@code blocker} blocks {@code blocked}; also deletes a pending request from {@code blocked} to
   * {@code blocker}, in one transaction. False if already blocked.
   */
  boolean block(String app, String blocker, String blocked, long since);

  /** False if it was not blocked. */
  boolean unblock(String app, String blocker, String blocked);

  boolean blocks(String app, String blocker, String blocked);

  List<ContactEntry> blocked(String app, String blocker, String after, int limit);

  ContactCounts counts(String app, String user);
}
