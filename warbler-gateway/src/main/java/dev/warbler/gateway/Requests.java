package dev.warbler.gateway;

import dev.warbler.core.Ids;
import dev.warbler.protocol.Decoded;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Pong;
import dev.warbler.protocol.v1.ServerFrame;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests of one authenticated connection: decodes each frame, checks its id and the rate
 * limits ({@link RateGate}), and hands it to the handler of its capability ({@link
 * RequestHandlers}) through one exhaustive switch, so that a frame added to {@code warbler.proto}
 * does not compile until it is served. Every request is answered by exactly one frame echoing its
 * id (see {@link Replies}); the connection stays open after every {@code error} below.
 *
 * <ul>
 *   <li>{@code ping} → {@code pong} {client_time echoed, server_time}.
 *   <li>A second {@code auth}: ALREADY_AUTHENTICATED. A frame with no body this server knows:
 *       UNKNOWN_FRAME. An undecodable frame: MALFORMED_FRAME (id recovered when possible). Two
 *       members of one oneof (two bodies, two targets of a {@code send}): INVALID_ARGUMENT. An id
 *       over 64 characters: INVALID_ARGUMENT echoing the id as sent.
 * </ul>
 *
 * <p>Threading: confined to the connection's event loop; the handlers hand blocking work to virtual
 * threads.
 */
final class Requests {
  private static final Logger log = LoggerFactory.getLogger(Requests.class);

  private final Link link;
  private final Outbound out;
  private final RateGate rate;
  private final Replies replies;
  private final RequestHandlers handlers;
  private final InstantSource clock;

  /** This connection's typing state (see {@link SignalRequests#typing}). */
  private final TypingThrottle typing;

  Requests(
      Link link,
      Outbound out,
      RateGate rate,
      Replies replies,
      RequestHandlers handlers,
      InstantSource clock) {
    this.link = link;
    this.out = out;
    this.rate = rate;
    this.replies = replies;
    this.handlers = handlers;
    this.clock = clock;
    this.typing = handlers.signals().newTypingThrottle();
  }

  /** A data frame received after {@code auth_ok} (or held until it). */
  void serve(byte[] bytes) {
    switch (link.encoding().codec().decodeClient(bytes)) {
      case Decoded.Malformed m -> {
        log.debug("malformed frame from {}: {}", link.remote(), m.reason());
        out.write(Frames.error(m.requestId(), ErrorCode.MALFORMED_FRAME, m.reason(), 0));
      }
      case Decoded.Invalid i -> {
        log.debug("invalid frame from {}: {}", link.remote(), i.reason());
        out.write(Frames.error(i.requestId(), ErrorCode.INVALID_ARGUMENT, i.reason(), 0));
      }
      case Decoded.Frame f -> dispatch(f.frame());
    }
  }

  private void dispatch(ClientFrame frame) {
    String id = frame.getId();
    if (id.length() > Ids.MAX_ID_LENGTH) {
      // Echoed as sent (it is in memory already), so that the client can match the answer.
      out.write(Frames.error(id, ErrorCode.INVALID_ARGUMENT, idTooLong(id), 0));
      return;
    }
    Session s = link.session();
    if (s == null || !rate.admit(s, id, frame.getBodyCase())) {
      return;
    }
    Request r = new Request(id, s, replies);
    MessagingRequests messaging = handlers.messaging();
    LifecycleRequests lifecycle = handlers.lifecycle();
    SignalRequests signals = handlers.signals();
    ContactRequests contacts = handlers.contacts();
    Runnable action =
        switch (frame.getBodyCase()) {
          case AUTH ->
              () ->
                  out.write(
                      Frames.error(
                          id,
                          ErrorCode.ALREADY_AUTHENTICATED,
                          "this connection is already authenticated as '" + s.user() + "'",
                          0));
          case PING -> () -> pong(id, frame.getPing().getClientTime());
          case SEND -> () -> messaging.send(r, frame.getSend());
          case SYNC -> () -> messaging.sync(r, frame.getSync());
          case PULL -> () -> messaging.pull(r, frame.getPull());
          case HISTORY -> () -> messaging.history(r, frame.getHistory());
          case RECALL -> () -> lifecycle.recall(r, frame.getRecall());
          case EDIT -> () -> lifecycle.edit(r, frame.getEdit());
          case REACT -> () -> lifecycle.react(r, frame.getReact());
          case FORWARD -> () -> lifecycle.forward(r, frame.getForward());
          case DELETE_FOR_ME -> () -> lifecycle.deleteForMe(r, frame.getDeleteForMe());
          case MARK_READ -> () -> signals.markRead(r, frame.getMarkRead());
          case DELIVERED -> () -> signals.delivered(r, frame.getDelivered());
          case GET_RECEIPTS -> () -> signals.receipts(r, frame.getGetReceipts());
          case TYPING -> () -> signals.typing(r, frame.getTyping(), typing);
          case SUBSCRIBE_PRESENCE ->
              () -> signals.subscribePresence(r, frame.getSubscribePresence().getUsersList());
          case GROUP_COMMAND -> () -> handlers.groups().command(r, frame.getGroupCommand());
          case JOIN_CHATROOM -> () -> handlers.chatrooms().join(r, frame.getJoinChatroom());
          case LEAVE_CHATROOM ->
              () -> handlers.chatrooms().leave(r, frame.getLeaveChatroom().getRoom());
          case SEND_FRIEND_REQUEST ->
              () -> contacts.sendFriendRequest(r, frame.getSendFriendRequest());
          case RESPOND_FRIEND_REQUEST ->
              () -> contacts.respondFriendRequest(r, frame.getRespondFriendRequest());
          case LIST_FRIEND_REQUESTS ->
              () -> contacts.listFriendRequests(r, frame.getListFriendRequests());
          case LIST_FRIENDS -> () -> contacts.listFriends(r, frame.getListFriends());
          case REMOVE_FRIEND -> () -> contacts.removeFriend(r, frame.getRemoveFriend().getUser());
          case BLOCK_USER -> () -> contacts.block(r, frame.getBlockUser().getUser());
          case UNBLOCK_USER -> () -> contacts.unblock(r, frame.getUnblockUser().getUser());
          case LIST_BLOCKED -> () -> contacts.listBlocked(r, frame.getListBlocked());
          case UPDATE_CONVERSATION ->
              () -> contacts.updateConversation(r, frame.getUpdateConversation());
          case BODY_NOT_SET ->
              () ->
                  out.write(
                      Frames.error(
                          id,
                          ErrorCode.UNKNOWN_FRAME,
                          "the frame has no body this server knows",
                          0));
        };
    action.run();
  }

  private void pong(String id, long clientTime) {
    out.write(
        ServerFrame.newBuilder()
            .setId(id)
            .setPong(Pong.newBuilder().setClientTime(clientTime).setServerTime(clock.millis()))
            .build());
  }

  static String idTooLong(String id) {
    return "a request id must be at most "
        + Ids.MAX_ID_LENGTH
        + " characters but this one has "
        + id.length();
  }
}
