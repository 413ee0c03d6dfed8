package dev.warbler.core;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The messaging rules: who may send where, what a message may hold, and who may read which
 * conversation. Sends are acknowledged when durable; every stored message is published on the bus
 * for the online devices of every member, the sender's other devices included.
 *
 * <p>Thread-safe. {@link #send} does not block on the store's commit; reads may block.
 */
public final class Messenger {
  /** The sender id of messages sent by the system (an app backend, the server itself). */
  public static final String SYSTEM_SENDER = "";

  private final MessageStore store;
  private final Directory directory;
  private final Bus bus;
  private final Limits limits;
  private final MessageIds ids;
  private final InstantSource clock;

  public Messenger(
      MessageStore store, Directory directory, Bus bus, InstantSource clock, Limits limits) {
    this.store = store;
    this.directory = directory;
    this.bus = bus;
    this.limits = limits;
    this.clock = clock;
    this.ids = new MessageIds(clock);
    store.onAppend(m -> bus.publish(new Delivery(m, recipientsOf(m))));
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Validates and stores a message. {@code sender} is a user id, or {@link #SYSTEM_SENDER}. The
   * future fails with {@link WarblerException} for bad input or missing permission.
   */
  public CompletableFuture<AppendResult> send(String app, String sender, SendRequest request) {
    try {
      NewMessage message = validate(app, sender, request);
      return store.append(message);
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private NewMessage validate(String app, String sender, SendRequest request) {
    boolean system = sender.equals(SYSTEM_SENDER);
    Ids.requireClientMsgId(request.clientMsgId());
    ConversationId conversation = resolve(sender, request.target());
    if (!system && request.type() == MessageType.SYSTEM) {
      throw new WarblerException(ErrorCode.FORBIDDEN, "users cannot send SYSTEM messages");
    }
    checkBody(request);
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
        directory.requireUser(app, conversation.peerOf(sender));
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
    }
    return new NewMessage(
        app,
        conversation,
        ids.next(),
        request.clientMsgId(),
        sender,
        request.type(),
        request.text(),
        request.payload(),
        clock.millis());
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

  private void checkBody(SendRequest request) {
    int bytes =
        request.text().getBytes(StandardCharsets.UTF_8).length
            + request.payload().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxMessageBytes()) {
      throw new WarblerException(
          ErrorCode.MESSAGE_TOO_LARGE,
          "text and payload are "
              + bytes
              + " bytes; the limit (limits.max-message-bytes) is "
              + limits.maxMessageBytes());
    }
    switch (request.type()) {
      case TEXT, MARKDOWN -> {
        if (request.text().isBlank()) {
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, request.type() + " messages need a non-empty text");
        }
      }
      case CUSTOM -> {
        if (request.payload().isBlank()) {
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, "CUSTOM messages need a JSON payload");
        }
      }
      case SYSTEM -> {
        if (request.text().isBlank() && request.payload().isBlank()) {
          throw new WarblerException(
              ErrorCode.INVALID_ARGUMENT, "SYSTEM messages need a text or a payload");
        }
      }
    }
    if (!request.payload().isEmpty()) {
      checkJson(request.payload());
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
      case GROUP -> List.of();
    };
  }

  public SyncPage sync(Principal who, long cursor, int limit) {
    if (cursor < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "cursor must be >= 0");
    }
    return store.changedSince(who.app(), who.user(), cursor, clamp(limit, limits.syncPageMax()));
  }

  public MessagePage pull(Principal who, ConversationId conversation, long afterSeq, int limit) {
    requireReader(who, conversation);
    if (afterSeq < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "after_seq must be >= 0");
    }
    return store.after(who.app(), conversation, afterSeq, clamp(limit, limits.pullPageMax()));
  }

  public MessagePage history(
      Principal who, ConversationId conversation, long beforeSeq, int limit) {
    requireReader(who, conversation);
    return historyUnchecked(who.app(), conversation, beforeSeq, limit);
  }

  /** History for a trusted caller (an app backend), with no membership check. */
  public MessagePage historyUnchecked(
      String app, ConversationId conversation, long beforeSeq, int limit) {
    if (beforeSeq < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "before_seq must be >= 0");
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

  private void requireReader(Principal who, ConversationId conversation) {
    boolean allowed =
        switch (conversation.kind()) {
          case DIRECT, SYSTEM -> conversation.impliedMembers().contains(who.user());
          case GROUP -> directory.isMember(who.app(), conversation.first(), who.user());
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
