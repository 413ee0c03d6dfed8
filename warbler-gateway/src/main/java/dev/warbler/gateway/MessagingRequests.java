package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.messaging.SendRequest;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import java.util.concurrent.CompletableFuture;

/**
 * Messaging requests: {@code send}, {@code sync}, {@code pull} and {@code history}.
 *
 * <ul>
 *   <li>{@code send} → {@code send_ack} {conversation, seq, message_id, sent_at, duplicate,
 *       client_msg_id} once durable. Target: exactly one of user, group, conversation (missing:
 *       INVALID_ARGUMENT). TYPE_UNSPECIFIED means TEXT. A resend with the same client_msg_id
 *       answers the original's ack with duplicate = true and delivers nothing. The sender's own
 *       connection receives the pushed {@code message} before its {@code send_ack}. A {@code send}
 *       with the {@code chatroom} target (or conversation {@code r:ROOM}) goes to the room and is
 *       acked with its in-memory seq.
 *   <li>{@code sync} → {@code sync_result}; {@code pull} and {@code history} → {@code messages}.
 * </ul>
 *
 * <p>Threading: one per gateway, stateless; called on the event loop, never blocks (the work runs
 * on virtual threads through the {@link Request}).
 */
final class MessagingRequests {
  private final Messenger messenger;
  private final Chatrooms chatrooms;
  private final GatewayTraces traces;

  MessagingRequests(Messenger messenger, Chatrooms chatrooms, GatewayTraces traces) {
    this.messenger = messenger;
    this.chatrooms = chatrooms;
    this.traces = traces;
  }

  /**
   * Sends run one after another per connection (validation may read the store, so on a virtual
   * thread), which keeps a connection's messages in the order it sent them; each is answered when
   * its append is durable, without holding up the next.
   */
  void send(Request r, Send send) {
    SendRequest request;
    try {
      request = Frames.sendRequest(send);
    } catch (WarblerException e) {
      r.refuse(e);
      return;
    }
    Session s = r.session();
    r.inOrder(
        () ->
            traces.send(
                s,
                () ->
                    request.target() instanceof SendRequest.Target.ToConversation to
                            && to.conversation().kind() == ConversationId.Kind.ROOM
                        ? CompletableFuture.<AppendResult>completedFuture(
                            chatrooms.send(s, to.conversation().first(), request).result())
                        : messenger.send(s.app(), s.user(), request)),
        ack -> ServerFrame.newBuilder().setSendAck(Frames.sendAck(ack)));
  }

  void sync(Request r, Sync sync) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setSyncResult(
                Frames.syncResult(messenger.sync(who, sync.getCursor(), sync.getLimit()))));
  }

  void pull(Request r, Pull pull) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setMessages(
                Frames.messagePage(
                    messenger.pull(
                        who,
                        ConversationId.parse(pull.getConversation()),
                        pull.getAfterSeq(),
                        pull.getLimit()))));
  }

  void history(Request r, History history) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setMessages(
                Frames.messagePage(
                    messenger.history(
                        who,
                        ConversationId.parse(history.getConversation()),
                        history.getBeforeSeq(),
                        history.getLimit()))));
  }
}
