package dev.warbler.core.chatrooms;

import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageIds;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.messaging.SendRequest;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.ChatroomStore;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Push;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chatrooms for live classes and events: connections join and leave, messages reach the connections
 * present, the newest few are kept for those who join later. There is no membership history, no
 * per-member state and no sync.
 *
 * <p><b>Not durable.</b> Only the room's definition is stored ({@link ChatroomStore}). Messages get
 * a per-room seq from an in-memory counter and the recent ones live in a ring buffer of {@code
 * chatroom.recent-messages}; both start over (with a new {@code epoch}) when the room is loaded
 * again after a restart or re-created. A resend with the same client message id is recognized only
 * while the original is among the recent messages.
 *
 * <p><b>Across nodes.</b> A node loads a room when a connection joins it or a message is sent to
 * it, and subscribes to the room's topic. A message sent through a node takes that node's seq, is
 * pushed to its present connections and then published ({@link Event.RoomSignal}); every other node
 * with the room loaded gives it the next seq of its own copy of the room and pushes it to its
 * present connections. A seq and an epoch are therefore a node's: a connection that moves to
 * another node sees another epoch, which tells it to start the room over. Deleting a room closes it
 * on every node. Presence limits ({@code maxMembers}) are counted per node.
 *
 * <p><b>Order.</b> Each room has a lock: seq allocation, the ring buffer, joining and the fan-out
 * of one message all happen under it, so every present connection sees the room's messages in seq
 * order, and a joiner's recent messages are followed, without gap or overlap, by the live ones. The
 * fan-out hands one {@link Push.Room} to every present connection's {@link Connection#push}, which
 * never blocks, so a room of 20,000 costs one encoding per wire format and a queued write per
 * connection.
 *
 * <p>Thread-safe. Methods may block on the store (loading a room's definition); call them from
 * virtual threads, never from an event loop.
 */
public final class Chatrooms {
  private static final Logger log = LoggerFactory.getLogger(Chatrooms.class);

  /** Longest chatroom name, in characters: a display label, not a document. */
  public static final int MAX_NAME_LENGTH = 128;

  private record Key(String app, String room) {}

  private final ChatroomStore store;
  private final Bus bus;
  private final Publisher publisher;
  private final Directory directory;
  private final Messenger messenger;
  private final InstantSource clock;
  private final ChatroomLimits limits;
  private final MessageIds ids;
  private final AtomicLong epochs;
  private final ConcurrentHashMap<Key, Room> live = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Connection, Set<Key>> joined = new ConcurrentHashMap<>();
  private final List<Consumer<ChatMessage>> messageListeners = new CopyOnWriteArrayList<>();
  private final Object loading = new Object();

  public Chatrooms(
      ChatroomStore store,
      Directory directory,
      Messenger messenger,
      Bus bus,
      Publisher publisher,
      InstantSource clock,
      ChatroomLimits limits) {
    this.bus = bus;
    this.publisher = publisher;
    this.store = store;
    this.directory = directory;
    this.messenger = messenger;
    this.clock = clock;
    this.limits = limits;
    this.ids = new MessageIds(clock);
    this.epochs = new AtomicLong(clock.millis());
  }

  public ChatroomLimits limits() {
    return limits;
  }

  /**
   * Registers a listener told about every new chatroom message (not about a resend answered from
   * the recent messages), e.g. usage metering; wired once at startup. It runs with the room locked,
   * before the fan-out, so it must not block; a listener that throws is logged and skipped.
   */
  public void onMessage(Consumer<ChatMessage> listener) {
    messageListeners.add(listener);
  }

  // ---- definitions (app backends) ----------------------------------------------------------

  /**
   * Creates a chatroom. {@code maxMembers} 0 means {@code chatroom.max-present}; more than that is
   * INVALID_ARGUMENT. More rooms than {@code chatroom.max-rooms} in the app: LIMIT_EXCEEDED.
   */
  public Chatroom create(String app, String id, String name, int maxMembers) {
    directory.app(app);
    Ids.require("chatroom", id);
    if (name.length() > MAX_NAME_LENGTH) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "a chatroom name has at most "
              + MAX_NAME_LENGTH
              + " characters but has "
              + name.length());
    }
    if (maxMembers < 0 || maxMembers > limits.maxPresent()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "maxMembers must be 1-"
              + limits.maxPresent()
              + " (chatroom.max-present), or absent, but was "
              + maxMembers);
    }
    // Counted before the insert, so concurrent creates may overshoot by a few: a bound on
    // memory, not an exact quota.
    if (store.chatroomCount(app) >= limits.maxRoomsPerApp()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "an app may have at most " + limits.maxRoomsPerApp() + " chatrooms (chatroom.max-rooms)");
    }
    Chatroom room = new Chatroom(app, id, name.isBlank() ? id : name, maxMembers, clock.millis());
    synchronized (loading) {
      if (!store.createChatroom(room)) {
        throw new WarblerException(
            ErrorCode.ALREADY_EXISTS, "chatroom '" + id + "' already exists");
      }
    }
    return room;
  }

  /** The room's definition and live state; NOT_FOUND if there is no such room. */
  public ChatroomStatus status(String app, String id) {
    Room room = room(app, id);
    room.lock.lock();
    try {
      return new ChatroomStatus(room.definition, room.present.size(), room.epoch, room.lastSeq);
    } finally {
      room.lock.unlock();
    }
  }

  /**
   * Deletes a room: its present connections are pushed {@link RoomEvent.RoomClosed} and leave it,
   * and its recent messages are dropped. NOT_FOUND if there is no such room.
   */
  public void delete(String app, String id) {
    Ids.require("chatroom", id);
    Room room;
    synchronized (loading) {
      if (!store.deleteChatroom(app, id)) {
        throw notFound(id);
      }
      room = live.remove(new Key(app, id));
    }
    if (room != null) {
      room.close("the chatroom was deleted");
    }
    publisher.publish(
        new Event.RoomSignal(
            app, publisher.node(), new RoomEvent.RoomClosed(id, "the chatroom was deleted")));
  }

  // ---- presence ----------------------------------------------------------------------------

  /**
   * Puts {@code connection} in the room and hands {@code answer} the room's recent messages (at
   * most {@code recent}, capped at {@code chatroom.recent-messages}). {@code answer} runs once,
   * with the room locked, before any later message is pushed to the connection; it must not block.
   * Joining a room the connection is in answers the same way and changes nothing.
   *
   * <p>Fails with NOT_FOUND (no such room), LIMIT_EXCEEDED (the room is full, or the connection is
   * in {@code chatroom.max-rooms-per-connection} rooms already) or INVALID_ARGUMENT.
   */
  public void join(
      Connection connection, String roomId, int recent, Consumer<JoinedChatroom> answer) {
    Ids.require("chatroom", roomId);
    if (recent < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "recent must be >= 0");
    }
    Key key = new Key(connection.app(), roomId);
    Room room = room(connection.app(), roomId);
    room.lock.lock();
    try {
      if (room.closed) {
        throw notFound(roomId);
      }
      if (!room.present.contains(connection)) {
        if (room.present.size() >= room.capacity) {
          throw new WarblerException(
              ErrorCode.LIMIT_EXCEEDED,
              "chatroom '" + roomId + "' is full (" + room.capacity + " present)");
        }
        reserve(connection, key);
        room.present.add(connection);
      }
      List<ChatMessage> newest = new ArrayList<>(room.recent);
      int take = Math.min(recent, newest.size());
      answer.accept(
          new JoinedChatroom(
              room.definition,
              newest.subList(newest.size() - take, newest.size()),
              room.present.size(),
              room.epoch,
              room.lastSeq));
    } finally {
      room.lock.unlock();
    }
  }

  /** Counts the room against the connection's limit; LIMIT_EXCEEDED past it. */
  private void reserve(Connection connection, Key key) {
    boolean[] full = {false};
    joined.compute(
        connection,
        (c, rooms) -> {
          Set<Key> set = rooms == null ? new HashSet<>() : rooms;
          if (!set.contains(key) && set.size() >= limits.maxRoomsPerConnection()) {
            full[0] = true;
          } else {
            set.add(key);
          }
          return set;
        });
    if (full[0]) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "a connection may be in at most "
              + limits.maxRoomsPerConnection()
              + " chatrooms (chatroom.max-rooms-per-connection)");
    }
  }

  /** Takes the connection out of the room; harmless if it is not in it. */
  public void leave(Connection connection, String roomId) {
    Ids.require("chatroom", roomId);
    Key key = new Key(connection.app(), roomId);
    Room room = live.get(key);
    if (room != null) {
      room.lock.lock();
      try {
        room.present.remove(connection);
      } finally {
        room.lock.unlock();
      }
    }
    joined.computeIfPresent(
        connection,
        (c, rooms) -> {
          rooms.remove(key);
          return rooms.isEmpty() ? null : rooms;
        });
  }

  /** Takes the connection out of every room, e.g. when it closes. */
  public void leaveAll(Connection connection) {
    Set<Key> keys = joined.remove(connection);
    if (keys == null) {
      return;
    }
    for (Key key : keys) {
      Room room = live.get(key);
      if (room != null) {
        room.lock.lock();
        try {
          room.present.remove(connection);
        } finally {
          room.lock.unlock();
        }
      }
    }
  }

  /** True if the connection is in the room. */
  public boolean isPresent(Connection connection, String roomId) {
    Room room = live.get(new Key(connection.app(), roomId));
    if (room == null) {
      return false;
    }
    room.lock.lock();
    try {
      return room.present.contains(connection);
    } finally {
      room.lock.unlock();
    }
  }

  // ---- messages ----------------------------------------------------------------------------

  /**
   * Sends a message from a connection's user to a room the connection is in (NOT_MEMBER otherwise)
   * and pushes it to every connection present, this one included.
   */
  public ChatroomSent send(Connection from, String roomId, SendRequest request) {
    Ids.require("chatroom", roomId);
    if (request.type() == MessageType.SYSTEM) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "users cannot send SYSTEM messages");
    }
    Ids.requireClientMsgId(request.clientMsgId());
    messenger.checkBody(request);
    return published(
        room(from.app(), roomId)
            .append(screened(from.app(), from.user(), roomId, request), from.user(), from));
  }

  /**
   * Sends a message to a room as {@code sender} (a user of the app, present or not) or as the
   * system ({@link Messenger#SYSTEM_SENDER}); for app backends.
   */
  public ChatroomSent sendAs(String app, String sender, String roomId, SendRequest request) {
    Ids.require("chatroom", roomId);
    boolean system = sender.equals(Messenger.SYSTEM_SENDER);
    if (!system) {
      directory.requireUser(app, Ids.require("from", sender));
      if (request.type() == MessageType.SYSTEM) {
        throw new WarblerException(ErrorCode.FORBIDDEN, "users cannot send SYSTEM messages");
      }
    }
    Ids.requireClientMsgId(request.clientMsgId());
    messenger.checkBody(request);
    return published(
        room(app, roomId).append(screened(app, sender, roomId, request), sender, null));
  }

  /**
   * The request with its text screened by the app's content filter (masked, or refused with
   * CONTENT_REJECTED). Chatroom messages are not stored, so there is nothing to queue for review: a
   * review match lets the text pass unchanged.
   */
  private SendRequest screened(String app, String sender, String roomId, SendRequest request) {
    String text = messenger.screen(app, sender, ConversationId.room(roomId), request.text()).text();
    return text.equals(request.text())
        ? request
        : new SendRequest(
            request.target(),
            request.clientMsgId(),
            request.type(),
            text,
            request.payload(),
            request.options());
  }

  /** Tells the other nodes with the room loaded about a new message (outside the room's lock). */
  private ChatroomSent published(ChatroomSent sent) {
    if (!sent.result().duplicate()) {
      ChatMessage m = sent.result().message();
      publisher.publish(
          new Event.RoomSignal(
              m.app(),
              publisher.node(),
              new RoomEvent.RoomMessage(m.conversation().first(), sent.epoch(), m)));
    }
    return sent;
  }

  /** A room event from another node (this node's own were handled when they happened). */
  private void heard(Room room, Event event) {
    if (!(event instanceof Event.RoomSignal r) || r.origin().equals(publisher.node())) {
      return;
    }
    switch (r.event()) {
      case RoomEvent.RoomMessage m -> room.relay(m.message());
      case RoomEvent.RoomClosed c -> {
        if (live.remove(new Key(room.definition.app(), room.definition.id()), room)) {
          room.close(c.reason());
        }
      }
    }
  }

  // ---- rooms in memory ---------------------------------------------------------------------

  private Room room(String app, String id) {
    Key key = new Key(app, id);
    Room room = live.get(key);
    if (room != null) {
      return room;
    }
    Ids.require("chatroom", id);
    synchronized (loading) {
      room = live.get(key);
      if (room == null) {
        Chatroom definition = store.chatroom(app, id).orElseThrow(() -> notFound(id));
        Room loaded = new Room(definition, nextEpoch());
        loaded.subscription = bus.subscribe(Topic.room(app, id), e -> heard(loaded, e));
        room = loaded;
        live.put(key, room);
        log.debug("chatroom {}/{} loaded (epoch {})", app, id, room.epoch);
      }
      return room;
    }
  }

  /** Increasing within this process and, as it starts from the clock, across restarts. */
  private long nextEpoch() {
    long now = clock.millis();
    return epochs.updateAndGet(e -> Math.max(e + 1, now));
  }

  private static WarblerException notFound(String id) {
    return new WarblerException(
        ErrorCode.NOT_FOUND, "chatroom '" + Ids.clip(id) + "' does not exist");
  }

  private final class Room {
    final Chatroom definition;
    final long epoch;
    final int capacity;
    final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    final Set<Connection> present = new HashSet<>();
    final ArrayDeque<ChatMessage> recent = new ArrayDeque<>();
    long lastSeq;
    boolean closed;
    volatile Bus.@Nullable Subscription subscription;

    Room(Chatroom definition, long epoch) {
      this.definition = definition;
      this.epoch = epoch;
      this.capacity =
          definition.maxMembers() == 0
              ? limits.maxPresent()
              : Math.min(definition.maxMembers(), limits.maxPresent());
    }

    ChatroomSent append(SendRequest request, String sender, @Nullable Connection via) {
      lock.lock();
      try {
        if (closed) {
          throw notFound(definition.id());
        }
        if (via != null && !present.contains(via)) {
          throw new WarblerException(
              ErrorCode.NOT_MEMBER, "join chatroom '" + definition.id() + "' before sending to it");
        }
        for (ChatMessage m : recent) {
          if (m.sender().equals(sender) && m.clientMsgId().equals(request.clientMsgId())) {
            return new ChatroomSent(new AppendResult(m, true), epoch);
          }
        }
        ChatMessage message =
            new ChatMessage(
                definition.app(),
                definition.conversation(),
                ++lastSeq,
                ids.next(),
                request.clientMsgId(),
                sender,
                request.type(),
                request.text(),
                request.payload(),
                clock.millis());
        remember(message);
        for (Consumer<ChatMessage> listener : messageListeners) {
          try {
            listener.accept(message);
          } catch (RuntimeException e) {
            log.warn("chatroom message listener failed", e);
          }
        }
        fanOut(new RoomEvent.RoomMessage(definition.id(), epoch, message));
        return new ChatroomSent(new AppendResult(message, false), epoch);
      } finally {
        lock.unlock();
      }
    }

    /** A message sent through another node: it takes this copy's next seq. */
    void relay(ChatMessage sent) {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        ChatMessage message =
            new ChatMessage(
                sent.app(),
                definition.conversation(),
                ++lastSeq,
                sent.id(),
                sent.clientMsgId(),
                sent.sender(),
                sent.type(),
                sent.text(),
                sent.payload(),
                sent.sentAt());
        remember(message);
        fanOut(new RoomEvent.RoomMessage(definition.id(), epoch, message));
      } finally {
        lock.unlock();
      }
    }

    /** Under the lock: keeps the message among the recent ones. */
    private void remember(ChatMessage message) {
      if (limits.recentMessages() > 0) {
        if (recent.size() >= limits.recentMessages()) {
          recent.pollFirst();
        }
        recent.addLast(message);
      }
    }

    void close(String reason) {
      Bus.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      lock.lock();
      try {
        closed = true;
        fanOut(new RoomEvent.RoomClosed(definition.id(), reason));
        Key key = new Key(definition.app(), definition.id());
        for (Connection c : present) {
          joined.computeIfPresent(
              c,
              (k, rooms) -> {
                rooms.remove(key);
                return rooms.isEmpty() ? null : rooms;
              });
        }
        present.clear();
        recent.clear();
      } finally {
        lock.unlock();
      }
    }

    /** Under the lock: hands one event to every present connection. */
    private void fanOut(RoomEvent event) {
      Push push = new Push.Room(event);
      for (Connection c : present) {
        try {
          c.push(push);
        } catch (RuntimeException e) {
          log.warn("chatroom push to {} failed", c, e);
        }
      }
    }
  }
}
