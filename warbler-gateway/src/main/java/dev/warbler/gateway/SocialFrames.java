package dev.warbler.gateway;

import dev.warbler.core.CursorPage;
import dev.warbler.core.chatrooms.JoinedChatroom;
import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.contacts.ContactEntry;
import dev.warbler.core.contacts.FriendRequest;
import dev.warbler.core.contacts.FriendRequestEvent;
import dev.warbler.core.contacts.Relation;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.protocol.v1.BlockedPage;
import dev.warbler.protocol.v1.BlockedUser;
import dev.warbler.protocol.v1.ChatroomJoined;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.Contact;
import dev.warbler.protocol.v1.Friend;
import dev.warbler.protocol.v1.FriendPage;
import dev.warbler.protocol.v1.FriendRequestPage;
import dev.warbler.protocol.v1.FriendRequestStatus;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.UpdateConversation;

/**
 * Maps chatroom, contact and conversation-settings values between the core and protocol v1 frames.
 * Pure functions, thread-safe.
 */
public final class SocialFrames {
  private SocialFrames() {}

  public static ChatroomJoined chatroomJoined(JoinedChatroom j) {
    ChatroomJoined.Builder b =
        ChatroomJoined.newBuilder()
            .setRoom(j.room().id())
            .setName(j.room().name())
            .setPresentCount(j.present())
            .setEpoch(j.epoch())
            .setLastSeq(j.lastSeq());
    j.recent().forEach(m -> b.addRecent(Frames.message(m)));
    return b.build();
  }

  /** The pushed frame (empty id) for a chatroom event. */
  public static ServerFrame pushed(RoomEvent event) {
    return switch (event) {
      case RoomEvent.RoomMessage m ->
          ServerFrame.newBuilder()
              .setChatroomMessage(
                  ChatroomMessage.newBuilder()
                      .setRoom(m.room())
                      .setEpoch(m.epoch())
                      .setMessage(Frames.message(m.message())))
              .build();
      case RoomEvent.RoomClosed c ->
          ServerFrame.newBuilder()
              .setChatroomLeft(ChatroomLeft.newBuilder().setRoom(c.room()).setReason(c.reason()))
              .build();
    };
  }

  /** The pushed frame (empty id) for a friend-request event. */
  public static ServerFrame pushed(FriendRequestEvent event) {
    return ServerFrame.newBuilder()
        .setFriendRequestEvent(
            dev.warbler.protocol.v1.FriendRequestEvent.newBuilder()
                .setRequest(friendRequest(event.request()))
                .setStatus(
                    switch (event.status()) {
                      case PENDING -> FriendRequestStatus.FRIEND_REQUEST_PENDING;
                      case ACCEPTED -> FriendRequestStatus.FRIEND_REQUEST_ACCEPTED;
                      case DECLINED -> FriendRequestStatus.FRIEND_REQUEST_DECLINED;
                    }))
        .build();
  }

  public static dev.warbler.protocol.v1.FriendRequest friendRequest(FriendRequest r) {
    return dev.warbler.protocol.v1.FriendRequest.newBuilder()
        .setFrom(r.from())
        .setTo(r.to())
        .setMessage(r.message())
        .setCreatedAt(r.createdAt())
        .build();
  }

  public static FriendRequestPage friendRequests(CursorPage<FriendRequest> page) {
    FriendRequestPage.Builder b = FriendRequestPage.newBuilder().setNextCursor(page.nextCursor());
    page.items().forEach(r -> b.addRequests(friendRequest(r)));
    return b.build();
  }

  public static FriendPage friends(CursorPage<ContactEntry> page) {
    FriendPage.Builder b = FriendPage.newBuilder().setNextCursor(page.nextCursor());
    page.items()
        .forEach(e -> b.addFriends(Friend.newBuilder().setUser(e.user()).setSince(e.since())));
    return b.build();
  }

  public static BlockedPage blocked(CursorPage<ContactEntry> page) {
    BlockedPage.Builder b = BlockedPage.newBuilder().setNextCursor(page.nextCursor());
    page.items()
        .forEach(e -> b.addUsers(BlockedUser.newBuilder().setUser(e.user()).setSince(e.since())));
    return b.build();
  }

  public static Contact contact(Relation r) {
    return Contact.newBuilder()
        .setUser(r.user())
        .setFriend(r.friend())
        .setRequestSent(r.requestSent())
        .setRequestReceived(r.requestReceived())
        .setBlocked(r.blocked())
        .build();
  }

  /** The fields an {@code update_conversation} sets; unset fields are left alone. */
  public static ConversationSettings.Change change(UpdateConversation u) {
    ConversationSettings.Change c = ConversationSettings.Change.none();
    if (u.hasPinned()) {
      c = c.withPinned(u.getPinned());
    }
    if (u.hasMuted()) {
      c = c.withMuted(u.getMuted());
    }
    if (u.hasArchived()) {
      c = c.withArchived(u.getArchived());
    }
    if (u.hasCustom()) {
      c = c.withCustom(u.getCustom());
    }
    return c;
  }
}
