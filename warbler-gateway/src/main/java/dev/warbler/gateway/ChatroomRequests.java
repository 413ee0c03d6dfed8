package dev.warbler.gateway;

import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.ServerFrame;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Chatroom requests: {@code join_chatroom} → {@code chatroom_joined}, written while the room is
 * locked so that it precedes every {@code chatroom_message} sent after the join; {@code
 * leave_chatroom} → {@code chatroom_left}. Closing the connection leaves every room ({@link
 * #leaveAll}). Sending to a room is a {@code send} ({@link MessagingRequests}).
 *
 * <p>Threading: one per gateway, stateless; called on the event loop, never blocks (joins and
 * leaves run on virtual threads).
 */
final class ChatroomRequests {
  private final Chatrooms rooms;
  private final ExecutorService blocking;

  ChatroomRequests(Chatrooms rooms, ExecutorService blocking) {
    this.rooms = rooms;
    this.blocking = blocking;
  }

  /**
   * Joins on a virtual thread (the room's definition may have to be read from the store). The
   * answer is written while the room is locked, so it goes out before any message sent after the
   * join. A connection that closed meanwhile leaves again: its close may have run before the join.
   */
  void join(Request r, JoinChatroom join) {
    Session s = r.session();
    r.answerAsync(() -> {
      rooms.join(
          s,
          join.getRoom(),
          join.getRecent(),
          joined ->
              r.respond(
                  ServerFrame.newBuilder().setChatroomJoined(SocialFrames.chatroomJoined(joined))));
      if (r.replies().closing()) {
        rooms.leaveAll(s);
      }
    });
  }

  void leave(Request r, String room) {
    Session s = r.session();
    r.async(() -> {
      rooms.leave(s, room);
      return ServerFrame.newBuilder().setChatroomLeft(ChatroomLeft.newBuilder().setRoom(room));
    });
  }

  /**
   * Event loop, at close: leaves every room off the loop, since leaving takes each room's lock,
   * which a large fan-out may hold for a while. The connection is closing, so pushes to it are
   * dropped meanwhile.
   */
  void leaveAll(Session s) {
    try {
      blocking.execute(() -> rooms.leaveAll(s));
    } catch (RejectedExecutionException e) {
      rooms.leaveAll(s); // shutting down: blocking the loop briefly is harmless now
    }
  }
}
