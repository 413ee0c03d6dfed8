package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.state.Presence;
import dev.warbler.core.state.Receipts;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Delivered;
import dev.warbler.protocol.v1.GetReceipts;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Typing;
import java.time.InstantSource;
import java.util.List;

/**
 * Receipts, typing and presence requests.
 *
 * <ul>
 *   <li>{@code mark_read} → {@code read_state} (and a {@code read_receipt} push when the position
 *       rose); {@code get_receipts} → {@code receipts}; {@code subscribe_presence} → {@code
 *       presence_list}.
 *   <li>{@code delivered} and {@code typing} are notifications: with an id they are answered like
 *       requests ({@code delivery_receipt} with the stored position, {@code typing_event} echoing
 *       the request); without one only errors are sent (empty id), and a typing LIMIT_EXCEEDED or
 *       MUTED only once per conversation. Typing past {@link TypingThrottle}'s rate is dropped
 *       silently.
 * </ul>
 *
 * <p>Threading: one per gateway, stateless (each connection's typing state is its own {@link
 * TypingThrottle}); called on the event loop, never blocks (the work runs on virtual threads
 * through the {@link Request}).
 */
final class SignalRequests {
  private final Receipts receipts;
  private final Presence presence;
  private final InstantSource clock;

  SignalRequests(Receipts receipts, Presence presence, InstantSource clock) {
    this.receipts = receipts;
    this.presence = presence;
    this.clock = clock;
  }

  /** A new connection's typing throttle ({@code gateway.typing-min-interval-ms}). */
  TypingThrottle newTypingThrottle() {
    return new TypingThrottle(receipts.limits().typingMinInterval().toMillis());
  }

  void markRead(Request r, MarkRead read) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setReadState(
                Frames.readState(
                    receipts.markRead(
                        who, ConversationId.parse(read.getConversation()), read.getSeq()))));
  }

  void delivered(Request r, Delivered delivered) {
    Principal who = r.who();
    r.notification(
        false,
        () -> {
          ConversationId conversation = ConversationId.parse(delivered.getConversation());
          long seq = receipts.delivered(who, conversation, delivered.getSeq()).join();
          return ServerFrame.newBuilder()
              .setDeliveryReceipt(Frames.deliveryReceipt(conversation, who.user(), seq));
        },
        e -> true);
  }

  void receipts(Request r, GetReceipts get) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setReceipts(
                Frames.receipts(
                    receipts.receipts(
                        who,
                        ConversationId.parse(get.getConversation()),
                        get.getCursor(),
                        get.getLimit()))));
  }

  /**
   * A typing notification: dropped silently past the connection's rate limit (answered with the
   * echo when it has an id, or the refusal the user would get: NOT_MEMBER, MUTED ...); a
   * LIMIT_EXCEEDED or MUTED refusal without an id is reported once per conversation.
   */
  void typing(Request r, Typing request, TypingThrottle throttle) {
    Principal who = r.who();
    String conversation = request.getConversation();
    boolean active = request.getActive();
    if (!throttle.allow(conversation, active, clock.millis())) {
      if (!r.id().isEmpty()) {
        // Dropped, but still answered as the caller may see it: only who may type gets the echo.
        r.notification(
            true,
            () -> {
              ConversationId c = ConversationId.parse(conversation);
              receipts.checkTyping(who, c);
              return ServerFrame.newBuilder()
                  .setTypingEvent(Frames.typingEvent(c, who.user(), active));
            },
            e -> true);
      }
      return;
    }
    r.notification(
        true,
        () -> {
          ConversationId c = ConversationId.parse(conversation);
          receipts.typing(who, c, active);
          return ServerFrame.newBuilder().setTypingEvent(Frames.typingEvent(c, who.user(), active));
        },
        e ->
            (e.code() != ErrorCode.LIMIT_EXCEEDED && e.code() != ErrorCode.MUTED)
                || throttle.firstRefusal(conversation));
  }

  void subscribePresence(Request r, List<String> users) {
    Session s = r.session();
    r.async(() ->
        ServerFrame.newBuilder()
            .setPresenceList(Frames.presenceList(presence.subscribe(s, users))));
  }
}
