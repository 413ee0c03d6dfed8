package dev.warbler.core.state;

import dev.warbler.core.PageCursor;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.ReceiptStore;
import dev.warbler.protocol.ErrorCode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Read and delivery receipts and typing indicators: who has read or received a conversation how
 * far, pushed live to the members, and who is typing.
 *
 * <p>Fan-out rule: a receipt is pushed only in conversations with at most {@link
 * StateLimits#receiptFanoutMaxMembers} members (direct and system conversations always); larger
 * conversations keep every position, readable page by page with {@link #receipts}. A read receipt
 * goes to every online connection of every member, the reader's own included (so its other devices
 * converge at once; offline ones learn their read position by sync); a delivery receipt to the
 * other members only. Typing goes to the other members' connections, only in conversations with at
 * most {@link StateLimits#typingMaxMembers} members. Pushes reach the connections on this node; in
 * a group they go through the online index of {@link Sessions} (an {@link Event.Signal} on the
 * group topic), so their cost grows with the members online, and the limits compare the size of the
 * cached member set, never a copy of it.
 *
 * <p>Thread-safe. Methods may block on the store or the directory: call them from virtual threads.
 */
public final class Receipts {
  /** Page size when a client asks for none: one screen of a member list. */
  static final int DEFAULT_PAGE = 50;

  private final Messenger messenger;
  private final MessageStore messages;
  private final ReceiptStore store;
  private final Directory directory;
  private final Publisher publisher;
  private final StateLimits limits;

  public Receipts(
      Messenger messenger,
      MessageStore messages,
      ReceiptStore store,
      Directory directory,
      Publisher publisher,
      StateLimits limits) {
    this.messenger = messenger;
    this.messages = messages;
    this.store = store;
    this.directory = directory;
    this.publisher = publisher;
    this.limits = limits;
  }

  public StateLimits limits() {
    return limits;
  }

  /**
   * Marks the conversation read up to {@code seq} for the user (see {@link Messenger#markRead})
   * and, when the position rose, pushes a read receipt under the fan-out rule. Concurrent marks may
   * push the same position twice; clients keep the maximum.
   */
  public ConversationState markRead(Principal who, ConversationId conversation, long seq) {
    long before =
        messages
            .state(who.app(), who.user(), conversation)
            .map(ConversationState::readSeq)
            .orElse(0L);
    ConversationState after = messenger.markRead(who, conversation, seq);
    if (after.readSeq() > before && fansOut(who.app(), conversation)) {
      StateEvent event =
          new StateEvent.ReadReceipt(who.app(), conversation, who.user(), after.readSeq());
      publisher.publish(
          conversation.kind() == ConversationId.Kind.GROUP
              ? Event.Signal.toGroup(event, conversation.first(), "")
              : Event.Signal.toUsers(event, conversation.impliedMembers()));
    }
    return after;
  }

  /**
   * Records that the user's devices received the conversation up to {@code seq}; completes with the
   * user's delivered position afterwards. When it rose, the other members get a delivery receipt
   * under the fan-out rule. NOT_MEMBER for a conversation the user is not in,
   * CONVERSATION_NOT_FOUND for a direct conversation without messages.
   */
  public CompletableFuture<Long> delivered(Principal who, ConversationId conversation, long seq) {
    if (seq < 0) {
      return CompletableFuture.failedFuture(
          new WarblerException(ErrorCode.INVALID_ARGUMENT, "seq must be >= 0"));
    }
    boolean fansOut;
    try {
      messenger.requireReader(who, conversation);
      fansOut = fansOut(who.app(), conversation);
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
    return store
        .markDelivered(who.app(), who.user(), conversation, seq)
        .thenApply(change -> {
          ReceiptStore.PositionChange c =
              change.orElseThrow(() ->
                  new WarblerException(
                      ErrorCode.CONVERSATION_NOT_FOUND, conversation + " has no messages yet"));
          if (c.rose() && fansOut) {
            pushToOthers(
                who,
                conversation,
                new StateEvent.DeliveryReceipt(who.app(), conversation, who.user(), c.current()));
          }
          return c.current();
        });
  }

  /**
   * One page of the members' read and delivery positions, ordered by user id. Only members may ask
   * (NOT_MEMBER otherwise). {@code cursor} is empty for the first page, else a page's next cursor;
   * {@code limit} 0 means the default page, and it is capped at {@link StateLimits#listPageMax}.
   */
  public ReceiptPage receipts(
      Principal who, ConversationId conversation, String cursor, int limit) {
    messenger.requireReader(who, conversation);
    String after = PageCursor.decode(cursor);
    int size = PageCursor.limit(limit, DEFAULT_PAGE, limits.listPageMax());
    List<MemberReceipt> found = store.receipts(who.app(), conversation, after, size + 1);
    if (found.size() <= size) {
      return new ReceiptPage(conversation, found, Optional.empty());
    }
    List<MemberReceipt> page = found.subList(0, size);
    return new ReceiptPage(
        conversation, page, Optional.of(PageCursor.after(page.getLast().user())));
  }

  /**
   * Tells the other members' online connections that the user is (or stopped) typing. Never stored.
   * Refused as {@link #checkTyping} says. Rate limits per connection are the transport's business.
   */
  public void typing(Principal who, ConversationId conversation, boolean active) {
    checkTyping(who, conversation);
    pushToOthers(
        who, conversation, new StateEvent.Typing(who.app(), conversation, who.user(), active));
  }

  /**
   * Whether the user may type in the conversation now, without telling anyone: NOT_MEMBER for a
   * conversation the user is not in; in a group the send rules ({@link GroupAdmin#requireSender}:
   * GROUP_NOT_FOUND when deleted, MUTED while muted); LIMIT_EXCEEDED in a conversation with more
   * than {@link StateLimits#typingMaxMembers} members. For a transport that drops a typing frame
   * (its rate) but answers it.
   */
  public void checkTyping(Principal who, ConversationId conversation) {
    messenger.requireReader(who, conversation);
    if (conversation.kind() == ConversationId.Kind.GROUP) {
      directory.groups().requireSender(who.app(), conversation.first(), who.user());
    }
    int members = memberCount(who.app(), conversation);
    if (conversation.kind() == ConversationId.Kind.GROUP && members > limits.typingMaxMembers()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          conversation
              + " has "
              + members
              + " members; typing indicators are sent only in conversations with at most "
              + limits.typingMaxMembers()
              + " (limits.typing-max-members)");
    }
  }

  /** Members of a conversation; a group's from the cached member set (its size, no copy). */
  private int memberCount(String app, ConversationId conversation) {
    return switch (conversation.kind()) {
      case DIRECT, SYSTEM -> conversation.impliedMembers().size();
      case GROUP -> directory.members(app, conversation.first()).size();
      // Chatrooms keep no per-member state: requireReader refuses them before this is asked.
      case ROOM -> 0;
    };
  }

  private boolean fansOut(String app, ConversationId conversation) {
    return conversation.kind() != ConversationId.Kind.GROUP
        || memberCount(app, conversation) <= limits.receiptFanoutMaxMembers();
  }

  /** Pushes to the online connections of the conversation's members other than {@code who}. */
  private void pushToOthers(Principal who, ConversationId conversation, StateEvent event) {
    publisher.publish(
        conversation.kind() == ConversationId.Kind.GROUP
            ? Event.Signal.toGroup(event, conversation.first(), who.user())
            : Event.Signal.toUsers(
                event,
                conversation.impliedMembers().stream()
                    .filter(m -> !m.equals(who.user()))
                    .toList()));
  }
}
