package dev.warbler.gateway;

import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.ForwardRequest;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageExtras;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.ReactionCount;
import dev.warbler.core.messaging.SendOptions;
import dev.warbler.core.messaging.SendRequest;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.state.PresenceState;
import dev.warbler.core.state.ReceiptPage;
import dev.warbler.core.state.StateEvent;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Closing;
import dev.warbler.protocol.v1.DeletedForMe;
import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.EditChange;
import dev.warbler.protocol.v1.Forward;
import dev.warbler.protocol.v1.MemberReceipt;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.PresenceList;
import dev.warbler.protocol.v1.ReactionChange;
import dev.warbler.protocol.v1.ReadReceipt;
import dev.warbler.protocol.v1.ReadState;
import dev.warbler.protocol.v1.RecallChange;
import dev.warbler.protocol.v1.Receipts;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.protocol.v1.TypingEvent;
import java.util.List;

/**
 * Maps between the core's values and protocol v1 frames. Pure functions, thread-safe. Bad client
 * input becomes {@link WarblerException} with {@link ErrorCode#INVALID_ARGUMENT}.
 */
public final class Frames {
  private Frames() {}

  /**
   * A stored message as the protocol shows it; {@code from} is empty for system messages. A
   * tombstone (deleted for the reader) carries only conversation, seq and {@code deleted_for_me}.
   */
  public static Message message(ChatMessage m) {
    MessageExtras x = m.extras();
    if (x.deletedForMe()) {
      return Message.newBuilder()
          .setConversation(m.conversation().toString())
          .setSeq(m.seq())
          .setDeletedForMe(true)
          .build();
    }
    Message.Builder b =
        Message.newBuilder()
            .setConversation(m.conversation().toString())
            .setSeq(m.seq())
            .setId(m.id())
            .setClientMsgId(m.clientMsgId())
            .setFrom(m.sender())
            .setType(protoType(m.type()))
            .setText(m.text())
            .setPayload(m.payload())
            .setSentAt(m.sentAt())
            .setReplyTo(x.replyTo())
            .addAllMentions(x.mentions())
            .setMentionAll(x.mentionAll())
            .setForwardedFrom(x.forwardedFrom())
            .setRecalled(x.recalled())
            .setEditedAt(x.editedAt())
            .setUndecryptable(x.undecryptable());
    for (ReactionCount r : x.reactions()) {
      b.addReactions(
          dev.warbler.protocol.v1.ReactionCount.newBuilder()
              .setEmoji(r.emoji())
              .setCount(r.count())
              .setMine(r.mine()));
    }
    x.change().ifPresent(c -> b.setChange(change(c)));
    return b.build();
  }

  private static dev.warbler.protocol.v1.MessageChange change(MessageChange c) {
    dev.warbler.protocol.v1.MessageChange.Builder b =
        dev.warbler.protocol.v1.MessageChange.newBuilder().setTargetSeq(c.targetSeq());
    switch (c.action()) {
      case MessageChange.Action.Recall r -> b.setRecall(RecallChange.getDefaultInstance());
      case MessageChange.Action.Edit e ->
          b.setEdit(
              EditChange.newBuilder()
                  .setText(e.text())
                  .setPayload(e.payload())
                  .setEditedAt(e.editedAt()));
      case MessageChange.Action.Reaction r ->
          b.setReaction(
              ReactionChange.newBuilder()
                  .setEmoji(r.emoji())
                  .setAdded(r.added())
                  .setCount(r.count()));
    }
    return b.build();
  }

  /**
   * The frame that pushes a delivery to a device (empty id): {@code message} for a stored message,
   * {@code deleted_for_me} for the tombstone of a message its user deleted for itself.
   */
  public static ServerFrame pushed(ChatMessage m) {
    return m.extras().deletedForMe()
        ? ServerFrame.newBuilder().setDeletedForMe(deletedForMe(m)).build()
        : ServerFrame.newBuilder().setMessage(message(m)).build();
  }

  public static DeletedForMe deletedForMe(ChatMessage tombstone) {
    return DeletedForMe.newBuilder()
        .setConversation(tombstone.conversation().toString())
        .setSeq(tombstone.seq())
        .build();
  }

  public static dev.warbler.protocol.v1.MessageType protoType(MessageType type) {
    return switch (type) {
      case TEXT -> dev.warbler.protocol.v1.MessageType.TEXT;
      case MARKDOWN -> dev.warbler.protocol.v1.MessageType.MARKDOWN;
      case CUSTOM -> dev.warbler.protocol.v1.MessageType.CUSTOM;
      case SYSTEM -> dev.warbler.protocol.v1.MessageType.SYSTEM;
      case CHANGE -> dev.warbler.protocol.v1.MessageType.CHANGE;
    };
  }

  /** {@code TYPE_UNSPECIFIED} means TEXT; a number this server does not know is invalid. */
  public static MessageType coreType(dev.warbler.protocol.v1.MessageType type) {
    return switch (type) {
      case TYPE_UNSPECIFIED, TEXT -> MessageType.TEXT;
      case MARKDOWN -> MessageType.MARKDOWN;
      case CUSTOM -> MessageType.CUSTOM;
      case SYSTEM -> MessageType.SYSTEM;
      case CHANGE -> MessageType.CHANGE;
      case UNRECOGNIZED ->
          throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "unknown message type");
    };
  }

  /**
   * A client's {@code send} as a core request. The target is one of {@code user}, {@code group},
   * {@code conversation} (the public string form) or {@code chatroom} (as the conversation {@code
   * r:ROOM}); none is INVALID_ARGUMENT.
   */
  public static SendRequest sendRequest(Send send) {
    SendRequest.Target target =
        switch (send.getToCase()) {
          case USER -> new SendRequest.Target.ToUser(send.getUser());
          case GROUP -> new SendRequest.Target.ToGroup(send.getGroup());
          case CONVERSATION ->
              new SendRequest.Target.ToConversation(ConversationId.parse(send.getConversation()));
          case CHATROOM ->
              new SendRequest.Target.ToConversation(ConversationId.room(send.getChatroom()));
          case TO_NOT_SET ->
              throw new WarblerException(
                  ErrorCode.INVALID_ARGUMENT,
                  "send needs a target: user, group, conversation or chatroom");
        };
    return new SendRequest(
        target,
        send.getClientMsgId(),
        coreType(send.getType()),
        send.getText(),
        send.getPayload(),
        new SendOptions(send.getReplyTo(), send.getMentionsList(), send.getMentionAll(), ""));
  }

  /** A client's {@code forward} as a core request; the target rules are those of {@code send}. */
  public static ForwardRequest forwardRequest(Forward forward) {
    SendRequest.Target target =
        switch (forward.getToCase()) {
          case USER -> new SendRequest.Target.ToUser(forward.getUser());
          case GROUP -> new SendRequest.Target.ToGroup(forward.getGroup());
          case CONVERSATION ->
              new SendRequest.Target.ToConversation(
                  ConversationId.parse(forward.getConversation()));
          case TO_NOT_SET ->
              throw new WarblerException(
                  ErrorCode.INVALID_ARGUMENT,
                  "forward needs a target: user, group or conversation");
        };
    return new ForwardRequest(
        forward.getClientMsgId(),
        ConversationId.parse(forward.getFromConversation()),
        forward.getFromSeq(),
        target);
  }

  public static SendAck sendAck(AppendResult result) {
    ChatMessage m = result.message();
    return SendAck.newBuilder()
        .setConversation(m.conversation().toString())
        .setSeq(m.seq())
        .setMessageId(m.id())
        .setSentAt(m.sentAt())
        .setDuplicate(result.duplicate())
        .setClientMsgId(m.clientMsgId())
        .build();
  }

  public static dev.warbler.protocol.v1.ConversationState conversationState(ConversationState s) {
    dev.warbler.protocol.v1.ConversationState.Builder b =
        dev.warbler.protocol.v1.ConversationState.newBuilder()
            .setConversation(s.conversation().toString())
            .setLastSeq(s.lastSeq())
            .setReadSeq(s.readSeq())
            .setUnread(s.unread())
            .setMentioned(s.mentioned())
            .setPinned(s.settings().pinned())
            .setMuted(s.settings().muted())
            .setArchived(s.settings().archived())
            .setCustom(s.settings().custom());
    s.lastMessage().ifPresent(m -> b.setLastMessage(message(m)));
    return b.build();
  }

  public static SyncResult syncResult(SyncPage page) {
    SyncResult.Builder b = SyncResult.newBuilder().setCursor(page.cursor()).setMore(page.more());
    page.conversations().forEach(s -> b.addConversations(conversationState(s)));
    return b.build();
  }

  public static dev.warbler.protocol.v1.MessagePage messagePage(MessagePage page) {
    dev.warbler.protocol.v1.MessagePage.Builder b =
        dev.warbler.protocol.v1.MessagePage.newBuilder()
            .setConversation(page.conversation().toString())
            .setMore(page.more());
    page.messages().forEach(m -> b.addMessages(message(m)));
    return b.build();
  }

  public static ReadState readState(ConversationState s) {
    return ReadState.newBuilder()
        .setConversation(s.conversation().toString())
        .setReadSeq(s.readSeq())
        .setUnread(s.unread())
        .setMentioned(s.mentioned())
        .setPinned(s.settings().pinned())
        .setMuted(s.settings().muted())
        .setArchived(s.settings().archived())
        .setCustom(s.settings().custom())
        .build();
  }

  /** The pushed frame (empty id) of an ephemeral event. */
  public static ServerFrame pushed(StateEvent event) {
    ServerFrame.Builder b = ServerFrame.newBuilder();
    switch (event) {
      case StateEvent.ReadReceipt r ->
          b.setReadReceipt(
              ReadReceipt.newBuilder()
                  .setConversation(r.conversation().toString())
                  .setUser(r.user())
                  .setReadSeq(r.readSeq()));
      case StateEvent.DeliveryReceipt d ->
          b.setDeliveryReceipt(deliveryReceipt(d.conversation(), d.user(), d.deliveredSeq()));
      case StateEvent.Typing t ->
          b.setTypingEvent(typingEvent(t.conversation(), t.user(), t.active()));
      case StateEvent.PresenceChange p ->
          b.setPresenceEvent(
              PresenceEvent.newBuilder()
                  .setUser(p.user())
                  .setOnline(p.online())
                  .setLastSeen(p.lastSeen()));
    }
    return b.build();
  }

  public static DeliveryReceipt deliveryReceipt(
      ConversationId conversation, String user, long deliveredSeq) {
    return DeliveryReceipt.newBuilder()
        .setConversation(conversation.toString())
        .setUser(user)
        .setDeliveredSeq(deliveredSeq)
        .build();
  }

  public static TypingEvent typingEvent(ConversationId conversation, String user, boolean active) {
    return TypingEvent.newBuilder()
        .setConversation(conversation.toString())
        .setUser(user)
        .setActive(active)
        .build();
  }

  public static Receipts receipts(ReceiptPage page) {
    Receipts.Builder b =
        Receipts.newBuilder()
            .setConversation(page.conversation().toString())
            .setNextCursor(page.nextCursor().orElse(""));
    page.entries()
        .forEach(e ->
            b.addEntries(
                MemberReceipt.newBuilder()
                    .setUser(e.user())
                    .setReadSeq(e.readSeq())
                    .setDeliveredSeq(e.deliveredSeq())));
    return b.build();
  }

  public static PresenceList presenceList(List<PresenceState> states) {
    PresenceList.Builder b = PresenceList.newBuilder();
    states.forEach(s ->
        b.addEntries(
            PresenceEntry.newBuilder()
                .setUser(s.user())
                .setOnline(s.online())
                .setLastSeen(s.lastSeen())));
    return b.build();
  }

  /** An {@code error} frame answering request {@code id}. */
  public static ServerFrame error(String id, ErrorCode code, String message, long retryAfterMs) {
    return ServerFrame.newBuilder()
        .setId(id)
        .setError(
            dev.warbler.protocol.v1.Error.newBuilder()
                .setCode(code.code())
                .setName(code.name())
                .setMessage(message)
                .setRetryable(code.retryable())
                .setRetryAfterMs(retryAfterMs))
        .build();
  }

  public static ServerFrame error(String id, WarblerException e) {
    return error(id, e.code(), String.valueOf(e.getMessage()), e.retryAfterMillis());
  }

  /** The {@code closing} frame sent just before a close frame with the same code. */
  public static ServerFrame closing(CloseCode code, String reason) {
    return ServerFrame.newBuilder()
        .setClosing(
            Closing.newBuilder()
                .setCode(code.code())
                .setReason(reason)
                .setReconnect(code.reconnect()))
        .build();
  }
}
