package dev.warbler.core.contacts;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.warbler.core.CursorPage;
import dev.warbler.core.Ids;
import dev.warbler.core.PageCursor;
import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.ContactStore;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.function.Function;

/**
 * Friend requests, friends and block lists: the rules, and a cache of who blocks whom in front of
 * the {@link ContactStore} so that checking a direct message costs no store read.
 *
 * <ul>
 *   <li>A request to a user who blocked the sender fails with BLOCKED, as do the sender's direct
 *       messages to that user ({@link BlockList}, used by {@link Messenger}).
 *   <li>A request to a user who has already asked the sender makes them friends at once. A request
 *       between friends changes nothing. A request sent again replaces the note.
 *   <li>Every request, acceptance and refusal is pushed to the online devices of both users.
 *   <li>Blocking keeps a friendship (it is about messages and requests) and drops the blocked
 *       user's pending request.
 * </ul>
 *
 * <p>Events reach the users' connections on every node (an {@link Event.ContactSignal} on their
 * topics); the durable state is in the store, so a device lists requests after connecting.
 * Thread-safe; methods may block on the store.
 */
public final class Contacts implements BlockList {
  /** Entries of a contact list page when the caller asks for none in particular. */
  public static final int DEFAULT_PAGE = 50;

  private record Pair(String app, String blocker, String blocked) {}

  private final ContactStore store;
  private final Directory directory;
  private final Publisher publisher;
  private final InstantSource clock;
  private final ContactLimits limits;
  private final Cache<Pair, Boolean> blocks =
      Caffeine.newBuilder().maximumSize(Directory.CACHE_ENTRIES).build();

  public Contacts(
      ContactStore store,
      Directory directory,
      Bus bus,
      Publisher publisher,
      InstantSource clock,
      ContactLimits limits) {
    this.store = store;
    this.directory = directory;
    this.publisher = publisher;
    this.clock = clock;
    this.limits = limits;
    bus.subscribe(Topic.nodes(), this::heard);
  }

  /** Forgets cached blocks that a change on any node, this one included, made stale. */
  private void heard(Event event) {
    switch (event) {
      case Event.BlocksChanged b -> blocks.invalidate(new Pair(b.app(), b.user(), b.other()));
      case Event.UserDeleted d -> forget(d.app(), d.user());
      default -> {}
    }
  }

  /** Drops what this node cached about a deleted user's blocks. */
  private void forget(String app, String user) {
    blocks
        .asMap()
        .keySet()
        .removeIf(
            p -> p.app().equals(app) && (p.blocker().equals(user) || p.blocked().equals(user)));
  }

  @Override
  public boolean blocks(String app, String blocker, String sender) {
    return blocks.get(
        new Pair(app, blocker, sender), p -> store.blocks(p.app(), p.blocker(), p.blocked()));
  }

  /** How {@code user} stands with {@code other}. */
  public Relation relation(String app, String user, String other) {
    return new Relation(
        other,
        store.areFriends(app, user, other),
        store.friendRequest(app, user, other).isPresent(),
        store.friendRequest(app, other, user).isPresent(),
        blocks(app, user, other));
  }

  /** {@code from} asks {@code to} to become friends; see the class comment for the rules. */
  public Relation sendRequest(String app, String from, String to, String message) {
    checkOther(app, from, to);
    int bytes = message.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxRequestMessageBytes()) {
      throw new WarblerException(
          ErrorCode.MESSAGE_TOO_LARGE,
          "the request message is "
              + bytes
              + " bytes; the limit (contacts.max-request-message-bytes) is "
              + limits.maxRequestMessageBytes());
    }
    if (blocks(app, to, from)) {
      throw new WarblerException(
          ErrorCode.BLOCKED, "user '" + to + "' does not accept requests from '" + from + "'");
    }
    if (store.areFriends(app, from, to)) {
      return relation(app, from, to);
    }
    var reverse = store.friendRequest(app, to, from);
    if (reverse.isPresent()) {
      befriend(app, from, to);
      push(new FriendRequestEvent(reverse.get(), FriendRequestEvent.Status.ACCEPTED));
      return relation(app, from, to);
    }
    if (store.friendRequest(app, from, to).isEmpty()
        && store.counts(app, from).outgoingRequests() >= limits.maxPendingRequests()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "at most "
              + limits.maxPendingRequests()
              + " friend requests may wait for an answer (contacts.max-pending-requests)");
    }
    FriendRequest request = new FriendRequest(app, from, to, message, clock.millis());
    store.putFriendRequest(request);
    push(new FriendRequestEvent(request, FriendRequestEvent.Status.PENDING));
    return relation(app, from, to);
  }

  /** {@code user} accepts or declines the pending request from {@code from}; NOT_FOUND if none. */
  public Relation respond(String app, String user, String from, boolean accept) {
    checkOther(app, user, from);
    FriendRequest request =
        store
            .friendRequest(app, from, user)
            .orElseThrow(() ->
                new WarblerException(
                    ErrorCode.NOT_FOUND, "no pending friend request from '" + from + "'"));
    if (accept) {
      befriend(app, from, user);
      push(new FriendRequestEvent(request, FriendRequestEvent.Status.ACCEPTED));
    } else if (store.deleteFriendRequest(app, from, user)) {
      push(new FriendRequestEvent(request, FriendRequestEvent.Status.DECLINED));
    }
    return relation(app, user, from);
  }

  /** Makes two users friends at once, without a request; for app backends. */
  public Relation addFriend(String app, String user, String other) {
    checkOther(app, user, other);
    befriend(app, user, other);
    return relation(app, user, other);
  }

  private void befriend(String app, String a, String b) {
    if (store.areFriends(app, a, b)) {
      return;
    }
    for (String u : List.of(a, b)) {
      if (store.counts(app, u).friends() >= limits.maxFriends()) {
        throw new WarblerException(
            ErrorCode.LIMIT_EXCEEDED,
            "user '"
                + u
                + "' has "
                + limits.maxFriends()
                + " friends already (contacts.max-friends)");
      }
    }
    store.addFriends(app, a, b, clock.millis());
  }

  /** Ends a friendship; harmless if there is none. */
  public Relation removeFriend(String app, String user, String other) {
    checkOther(app, user, other);
    store.removeFriends(app, user, other);
    return relation(app, user, other);
  }

  /** {@code user} blocks {@code other}; harmless if already blocked. */
  public Relation block(String app, String user, String other) {
    checkOther(app, user, other);
    if (!store.blocks(app, user, other)
        && store.counts(app, user).blocked() >= limits.maxBlocked()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "at most " + limits.maxBlocked() + " users may be blocked (contacts.max-blocked)");
    }
    store.block(app, user, other, clock.millis());
    publisher.publish(new Event.BlocksChanged(app, user, other));
    return relation(app, user, other);
  }

  /** Lifts a block; harmless if there is none. */
  public Relation unblock(String app, String user, String other) {
    checkOther(app, user, other);
    store.unblock(app, user, other);
    publisher.publish(new Event.BlocksChanged(app, user, other));
    return relation(app, user, other);
  }

  /** Pending requests to {@code user}, or from it when {@code outgoing}. */
  public CursorPage<FriendRequest> requests(
      String app, String user, boolean outgoing, String cursor, int limit) {
    directory.requireUser(app, user);
    return page(
        cursor,
        limit,
        n -> store.friendRequests(app, user, outgoing, cursor, n),
        r -> outgoing ? r.to() : r.from());
  }

  public CursorPage<ContactEntry> friends(String app, String user, String cursor, int limit) {
    directory.requireUser(app, user);
    return page(cursor, limit, n -> store.friends(app, user, cursor, n), ContactEntry::user);
  }

  public CursorPage<ContactEntry> blocked(String app, String user, String cursor, int limit) {
    directory.requireUser(app, user);
    return page(cursor, limit, n -> store.blocked(app, user, cursor, n), ContactEntry::user);
  }

  private <T> CursorPage<T> page(
      String cursor, int limit, Function<Integer, List<T>> read, Function<T, String> id) {
    if (!cursor.isEmpty() && !Ids.valid(cursor)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "cursor '" + Ids.clip(cursor) + "' is not a valid cursor");
    }
    int n = PageCursor.limit(limit, DEFAULT_PAGE, limits.pageMax());
    List<T> rows = read.apply(n + 1);
    boolean more = rows.size() > n;
    List<T> items = more ? rows.subList(0, n) : rows;
    return new CursorPage<>(items, more ? id.apply(items.get(items.size() - 1)) : "");
  }

  private void checkOther(String app, String user, String other) {
    Ids.require("user", other);
    if (other.equals(user)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "a user cannot be its own contact ('" + user + "')");
    }
    directory.requireUser(app, user);
    directory.requireUser(app, other);
  }

  private void push(FriendRequestEvent event) {
    FriendRequest r = event.request();
    publisher.publish(new Event.ContactSignal(r.app(), event, List.of(r.from(), r.to())));
  }
}
