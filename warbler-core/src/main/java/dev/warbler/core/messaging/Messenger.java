package dev.warbler.core.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.core.Caller;
import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.contacts.BlockList;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messaging rules: who may send where, what a message may hold, and who may read which
 * conversation. Sends are acknowledged when durable; every stored message is published on the bus
 * for the online devices of every member, the sender's other devices included.
 *
 * <p>Reads are per user: a message the reader deleted for itself comes back as a tombstone ({@link
 * ChatMessage#tombstone()}), and reaction counts say which ones are the reader's.
 *
 * <p>Thread-safe. {@link #send} does not block on the store's commit; reads may block.
 */
public final class Messenger {
  private static final Logger log = LoggerFactory.getLogger(Messenger.class);

  /** The sender id of messages sent by the system (an app backend, the server itself). */
  public static final String SYSTEM_SENDER = "";

  private final MessageStore store;
  private final Directory directory;
  private final Publisher publisher;
  private final Limits limits;
  private final MessageIds ids;
  private final InstantSource clock;
  private final MessageLifecycleStore lifecycleStore;
  private final LifecycleLimits lifecycleLimits;
  private final BlockList blocks;
  private final Audit audit;
  private final ContentFilter filter;
  private volatile BeforeSend beforeSend = BeforeSend.NONE;
  private volatile Outbox outbox = Outbox.NONE;

  /**
   * What must be durable with a stored message before its sender is acknowledged: the webhook
   * events it causes (docs/adr/0026-webhook-outbox.md). Never blocks; an app without webhooks gets
   * an already completed future. A failure is logged and does not fail the send (the message is
   * stored).
   */
  public interface Outbox {
    Outbox NONE = m -> CompletableFuture.completedFuture(null);

    CompletableFuture<Void> stored(ChatMessage message);
  }

  /**
   * The app's check of a user's message before it is stored (docs/webhooks.md, before-send hook):
   * completes with the message to store (the same or modified) or fails with MESSAGE_REJECTED or
   * UNAVAILABLE. Never blocks; apps without a hook get an already completed future.
   */
  public interface BeforeSend {
    BeforeSend NONE = CompletableFuture::completedFuture;

    CompletableFuture<NewMessage> check(NewMessage message);
  }

  /**
   * Lifecycle reads (tombstones, own reactions) use {@code lifecycleStore}; direct messages to a
   * user who blocked the sender fail with BLOCKED; history reads with server credentials go to
   * {@code audit}.
   */
  public Messenger(
      MessageStore store,
      Directory directory,
      Publisher publisher,
      InstantSource clock,
      Limits limits,
      MessageLifecycleStore lifecycleStore,
      LifecycleLimits lifecycleLimits,
      BlockList blocks,
      Audit audit) {
    this(
        store,
        directory,
        publisher,
        clock,
        limits,
        lifecycleStore,
        lifecycleLimits,
        blocks,
        audit,
        ContentFilter.NONE);
  }

  /** As above, with user messages' text screened by {@code filter} before they are stored. */
  public Messenger(
      MessageStore store,
      Directory directory,
      Publisher publisher,
      InstantSource clock,
      Limits limits,
      MessageLifecycleStore lifecycleStore,
      LifecycleLimits lifecycleLimits,
      BlockList blocks,
      Audit audit,
      ContentFilter filter) {
    this.filter = filter;
    this.audit = audit;
    this.lifecycleStore = lifecycleStore;
    this.lifecycleLimits = lifecycleLimits;
    this.blocks = blocks;
    this.store = store;
    this.directory = directory;
    this.publisher = publisher;
    this.limits = limits;
    this.clock = clock;
    this.ids = new MessageIds(clock);
  }

  /**
   * Publishes the message an append stored (not a duplicate) when the append completes, with its
   * recipients, before the returned future completes. Attach it at once: appends complete in seq
   * order, so publication does too (see {@link MessageStore}).
   */
  public CompletableFuture<AppendResult> published(CompletableFuture<AppendResult> append) {
    return append
        .thenApply(r -> {
          if (!r.duplicate()) {
            publisher.publish(new Delivery(r.message(), recipientsOf(r.message())));
          }
          return r;
        })
        .thenCompose(r -> {
          if (r.duplicate()) {
            return CompletableFuture.completedFuture(r);
          }
          CompletableFuture<Void> events = outbox.stored(r.message());
          if (events.isDone() && !events.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(r);
          }
          return events.handle((v, e) -> {
            if (e != null) {
              log.warn(
                  "the webhook events of message {} were not queued: {}",
                  r.message().id(),
                  e.toString());
            }
            return r;
          });
        });
  }

  public Limits limits() {
    return limits;
  }

  /** Sets the outbox of stored messages' events; wired once at startup. */
  public void useOutbox(Outbox events) {
    this.outbox = events;
  }

  /** Sets the before-send check of users' messages; wired once at startup. */
  public void useBeforeSend(BeforeSend check) {
    this.beforeSend = check;
  }

  public LifecycleLimits lifecycleLimits() {
    return lifecycleLimits;
  }

  /**
   * Validates and stores a message. {@code sender} is a user id, or {@link #SYSTEM_SENDER}. The
   * future fails with {@link WarblerException} for bad input or missing permission.
   */
  public CompletableFuture<AppendResult> send(String app, String sender, SendRequest request) {
    try {
      Validated valid = validate(app, sender, request);
      NewMessage message = valid.message();
      if (sender.equals(SYSTEM_SENDER)) {
        // the app backend itself: no hook
        return afterStored(published(store.append(message)), valid.afterStored());
      }
      CompletableFuture<NewMessage> checked = beforeSend.check(message);
      if (checked.isDone() && !checked.isCompletedExceptionally()) {
        return afterStored(published(store.append(checked.join())), valid.afterStored());
      }
      return checked.thenCompose(m -> {
        if (m != message) {
          checkBody(m.type(), m.text(), m.payload());
        }
        return afterStored(published(store.append(m)), valid.afterStored());
      });
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private record Validated(NewMessage message, ContentFilter.AfterStored afterStored) {}

  /**
   * Screens text a user sends or edits ({@link ContentFilter}); the system's text passes. May throw
   * {@link WarblerException} (CONTENT_REJECTED). Public for {@link Chatrooms}.
   */
  public ContentFilter.Screened screen(
      String app, String sender, ConversationId conversation, String text) {
    if (sender.equals(SYSTEM_SENDER) || text.isEmpty()) {
      return ContentFilter.Screened.pass(text);
    }
    return filter.screen(app, sender, conversation, text);
  }

  /** Runs {@code after} for a stored (not duplicate) message before the future completes. */
  static CompletableFuture<AppendResult> afterStored(
      CompletableFuture<AppendResult> append, ContentFilter.AfterStored after) {
    if (after == ContentFilter.AfterStored.NONE) {
      return append;
    }
    return append.thenApplyAsync(
        r -> {
          if (!r.duplicate()) {
            after.stored(r.message());
          }
          return r;
        },
        VIRTUAL);
  }

  private static final java.util.concurrent.Executor VIRTUAL =
      task -> Thread.ofVirtual().name("after-stored").start(task);

  private Validated validate(String app, String sender, SendRequest request) {
    boolean system = sender.equals(SYSTEM_SENDER);
    Ids.requireClientMsgId(request.clientMsgId());
    ConversationId conversation = resolve(sender, request.target());
    if (!system && request.type() == MessageType.SYSTEM) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "users cannot send SYSTEM messages");
    }
    if (request.type() == MessageType.CHANGE) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "CHANGE entries are made by recall, edit and react; they cannot be sent");
    }
    checkBody(request.type(), request.text(), request.payload());
    switch (conversation.kind()) {
      case DIRECT -> {
        if (system) {
          throw new WarblerException(
              ErrorCode.FORBIDDEN, "the system sends to a user's s:USER conversation");
        }
        if (!conversation.impliedMembers().contains(sender)) {
          throw new WarblerException(
              ErrorCode.NOT_MEMBER, "user '" + sender + "' is not in " + conversation);
        }
        String peer = conversation.peerOf(sender);
        directory.requireUser(app, peer);
        if (blocks.blocks(app, peer, sender)) {
          throw new WarblerException(
              ErrorCode.BLOCKED,
              "user '" + peer + "' does not accept messages from '" + sender + "'");
        }
      }
      case GROUP -> {
        // One lookup in the cached member map: GROUP_NOT_FOUND (missing or deleted), NOT_MEMBER,
        // MUTED. The system may send to any live group.
        if (system) {
          directory.groups().requireLive(app, conversation.first());
        } else {
          directory.groups().requireSender(app, conversation.first(), sender);
        }
      }
      case SYSTEM -> {
        if (!system) {
          throw new WarblerException(
              ErrorCode.FORBIDDEN, "only the system can send to " + conversation);
        }
        directory.requireUser(app, conversation.first());
      }
      case ROOM -> throw notStored(conversation);
    }
    SendOptions options = checkOptions(app, conversation, request.options());
    ContentFilter.Screened screened = screen(app, sender, conversation, request.text());
    return new Validated(
        new NewMessage(
            app,
            conversation,
            ids.next(),
            request.clientMsgId(),
            sender,
            request.type(),
            screened.text(),
            request.payload(),
            clock.millis(),
            options),
        screened.afterStored());
  }

  /**
   * A reply must name an existing message of the same conversation that is not a CHANGE entry;
   * mentions are de-duplicated, at most {@code limits.max-mentions}, and members of the
   * conversation.
   */
  private SendOptions checkOptions(String app, ConversationId conversation, SendOptions options) {
    if (options.equals(SendOptions.NONE)) {
      return options;
    }
    if (options.replyTo() < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "replyTo must be >= 0");
    }
    if (options.replyTo() > 0) {
      ChatMessage quoted = requireMessage(app, conversation, options.replyTo());
      if (quoted.type() == MessageType.CHANGE) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "replyTo " + options.replyTo() + " is a CHANGE entry, not a message");
      }
    }
    List<String> mentions = List.copyOf(new LinkedHashSet<>(options.mentions()));
    if (mentions.size() > lifecycleLimits.maxMentions()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "a message may mention at most "
              + lifecycleLimits.maxMentions()
              + " users (limits.max-mentions) but mentions "
              + mentions.size());
    }
    if (!mentions.isEmpty()) {
      Collection<String> members =
          switch (conversation.kind()) {
            case DIRECT, SYSTEM -> conversation.impliedMembers();
            case GROUP -> directory.members(app, conversation.first());
            case ROOM -> throw notStored(conversation);
          };
      for (String user : mentions) {
        Ids.require("mentioned user", user);
        if (!members.contains(user)) {
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT,
              "mentioned user '" + user + "' is not a member of " + conversation);
        }
      }
    }
    return new SendOptions(
        options.replyTo(), mentions, options.mentionAll(), options.forwardedFrom());
  }

  /** The message with this seq; MESSAGE_NOT_FOUND if there is none. */
  ChatMessage requireMessage(String app, ConversationId conversation, long seq) {
    return store
        .message(app, conversation, seq)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.MESSAGE_NOT_FOUND, conversation + " has no message with seq " + seq));
  }

  private static ConversationId resolve(String sender, SendRequest.Target target) {
    return switch (target) {
      case SendRequest.Target.ToUser u ->
          sender.equals(SYSTEM_SENDER)
              ? ConversationId.system(u.user())
              : ConversationId.direct(sender, u.user());
      case SendRequest.Target.ToGroup g -> ConversationId.group(g.group());
      case SendRequest.Target.ToConversation c -> c.conversation();
    };
  }

  private static WarblerException notStored(ConversationId room) {
    return new WarblerException(
        ErrorCode.INVALID_ARGUMENT,
        room
            + " is a chatroom: its messages are not stored; join it (joinChatroom) and send with"
            + " the chatroom target, or use sendChatroomMessage");
  }

  /**
   * Checks a chatroom message, shared with {@link Chatrooms}: its body, and no reply, mentions or
   * forward (chatroom messages are not stored, so there is nothing to refer to). Public for {@link
   * Chatrooms}, in another package; it only validates (INVALID_ARGUMENT, MESSAGE_TOO_LARGE) and
   * changes nothing.
   */
  public void checkBody(SendRequest request) {
    checkBody(request.type(), request.text(), request.payload());
    if (!request.options().equals(SendOptions.NONE)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "chatroom messages are not stored: they take no replyTo, mentions or forwardedFrom");
    }
  }

  /** The size, text and JSON rules of a message body of {@code type}; also used by edits. */
  void checkBody(MessageType type, String text, String payload) {
    int bytes =
        text.getBytes(StandardCharsets.UTF_8).length
            + payload.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxMessageBytes()) {
      throw new WarblerException(
          ErrorCode.MESSAGE_TOO_LARGE,
          "text and payload are "
              + bytes
              + " bytes; the limit (limits.max-message-bytes) is "
              + limits.maxMessageBytes());
    }
    if (text.indexOf('\u0000') >= 0 || payload.indexOf('\u0000') >= 0) {
      // PostgreSQL cannot keep it; refused for every store, so a message means the same anywhere.
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "text and payload must not contain the NUL character U+0000");
    }
    switch (type) {
      case TEXT, MARKDOWN -> {
        if (text.isBlank()) {
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, type + " messages need a non-empty text");
        }
      }
      case CUSTOM -> {
        if (payload.isBlank()) {
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, "CUSTOM messages need a JSON payload");
        }
      }
      case SYSTEM -> {
        if (text.isBlank() && payload.isBlank()) {
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, "SYSTEM messages need a text or a payload");
        }
      }
      case CHANGE ->
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, "CHANGE entries have no body of their own");
    }
    if (!payload.isEmpty()) {
      checkJson(payload);
    }
  }

  private static void checkJson(String payload) {
    Value.Builder value = Value.newBuilder();
    try {
      JsonFormat.parser().merge(payload, value);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "payload must be a JSON object or array");
    }
    if (!value.hasStructValue() && !value.hasListValue()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "payload must be a JSON object or array");
    }
  }

  /**
   * Who receives a stored message: both users of a direct conversation, the owner of a system one.
   * A group message names nobody: {@link Sessions} delivers it to the members online on each node,
   * so its cost never grows with the group.
   */
  List<String> recipientsOf(ChatMessage m) {
    return switch (m.conversation().kind()) {
      case DIRECT, SYSTEM -> m.conversation().impliedMembers();
      case GROUP, ROOM -> List.of();
    };
  }

  public SyncPage sync(Principal who, long cursor, int limit) {
    if (cursor < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "cursor must be >= 0");
    }
    SyncPage page =
        store.changedSince(who.app(), who.user(), cursor, clamp(limit, limits.syncPageMax()));
    List<ConversationState> states = new ArrayList<>(page.conversations().size());
    for (ConversationState s : page.conversations()) {
      states.add(viewFor(who, s));
    }
    return new SyncPage(states, page.cursor(), page.more());
  }

  public MessagePage pull(Principal who, ConversationId conversation, long afterSeq, int limit) {
    requireReader(who, conversation);
    if (afterSeq < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "afterSeq must be >= 0");
    }
    return viewFor(
        who, store.after(who.app(), conversation, afterSeq, clamp(limit, limits.pullPageMax())));
  }

  public MessagePage history(
      Principal who, ConversationId conversation, long beforeSeq, int limit) {
    requireReader(who, conversation);
    return viewFor(who, historyPage(who.app(), conversation, beforeSeq, limit));
  }

  /** {@code who}'s state of a conversation with its last message as {@code who} sees it. */
  ConversationState viewFor(Principal who, ConversationState s) {
    return s.lastMessage().isEmpty()
        ? s
        : s.withLastMessage(s.lastMessage().map(m -> viewFor(who, m)));
  }

  /** One message as {@code who} sees it (for a reader of its conversation). */
  ChatMessage viewFor(Principal who, ChatMessage m) {
    return viewFor(who, new MessagePage(m.conversation(), List.of(m), false)).messages().get(0);
  }

  /** Tombstones for the messages the reader deleted for itself; its own reactions marked. */
  private MessagePage viewFor(Principal who, MessagePage page) {
    List<ChatMessage> messages = page.messages();
    if (messages.isEmpty()) {
      return page;
    }
    Collection<Long> seqs = messages.stream().map(ChatMessage::seq).toList();
    Set<Long> hidden = lifecycleStore.hidden(who.app(), who.user(), page.conversation(), seqs);
    boolean anyReactions = messages.stream().anyMatch(m -> !m.extras().reactions().isEmpty());
    Map<Long, Set<String>> mine =
        anyReactions
            ? lifecycleStore.reactionsOf(
                who.app(),
                who.user(),
                page.conversation(),
                messages.get(0).seq(),
                messages.get(messages.size() - 1).seq())
            : Map.of();
    if (hidden.isEmpty() && mine.isEmpty()) {
      return page;
    }
    List<ChatMessage> view = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      Set<String> own = mine.getOrDefault(m.seq(), Set.of());
      if (hidden.contains(m.seq())) {
        view.add(m.tombstone());
      } else if (own.isEmpty()) {
        view.add(m);
      } else {
        view.add(
            m.withExtras(
                m.extras()
                    .withReactions(
                        m.extras().reactions().stream()
                            .map(r ->
                                new ReactionCount(r.emoji(), r.count(), own.contains(r.emoji())))
                            .toList())));
      }
    }
    return new MessagePage(page.conversation(), view, page.more());
  }

  /**
   * History of any conversation of {@code caller}'s app for a trusted caller (an app backend, the
   * admin key), with no membership check. Audited: each read is one {@code history.read} entry
   * (target the conversation, detail {@code before=B limit=L returned=N}), queued without waiting;
   * a refused read records nothing.
   */
  public MessagePage historyUnchecked(
      Caller caller, ConversationId conversation, long beforeSeq, int limit) {
    MessagePage page = historyPage(caller.app(), conversation, beforeSeq, limit);
    audit.record(
        caller.app(),
        caller.actor(),
        caller.address(),
        Audit.HISTORY_READ,
        conversation.toString(),
        "before=" + beforeSeq + " limit=" + limit + " returned=" + page.messages().size());
    return page;
  }

  private MessagePage historyPage(
      String app, ConversationId conversation, long beforeSeq, int limit) {
    if (beforeSeq < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "beforeSeq must be >= 0");
    }
    long before = beforeSeq == 0 ? Long.MAX_VALUE : beforeSeq;
    return store.before(app, conversation, before, clamp(limit, limits.pullPageMax()));
  }

  public ConversationState markRead(Principal who, ConversationId conversation, long seq) {
    requireReader(who, conversation);
    return store
        .markRead(who.app(), who.user(), conversation, seq)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.CONVERSATION_NOT_FOUND, conversation + " has no messages yet"));
  }

  /**
   * Fails with NOT_MEMBER unless the user may read the conversation: one of a direct or system
   * conversation's users, or a current member of a group. May block on the directory.
   */
  public void requireReader(Principal who, ConversationId conversation) {
    boolean allowed =
        switch (conversation.kind()) {
          case DIRECT, SYSTEM -> conversation.impliedMembers().contains(who.user());
          case GROUP -> directory.isMember(who.app(), conversation.first(), who.user());
          case ROOM -> throw notStored(conversation);
        };
    if (!allowed) {
      throw new WarblerException(
          ErrorCode.NOT_MEMBER, "user '" + who.user() + "' is not a member of " + conversation);
    }
  }

  private static int clamp(int requested, int max) {
    if (requested < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "limit must be >= 0");
    }
    return requested == 0 ? Math.min(100, max) : Math.min(requested, max);
  }
}
