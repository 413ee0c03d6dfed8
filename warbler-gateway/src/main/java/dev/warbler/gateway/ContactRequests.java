package dev.warbler.gateway;

import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.contacts.Relation;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationList;
import dev.warbler.protocol.v1.ListBlocked;
import dev.warbler.protocol.v1.ListFriendRequests;
import dev.warbler.protocol.v1.ListFriends;
import dev.warbler.protocol.v1.RespondFriendRequest;
import dev.warbler.protocol.v1.SendFriendRequest;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.UpdateConversation;

/**
 * Contacts and conversation settings: {@code send_friend_request}, {@code respond_friend_request},
 * {@code remove_friend}, {@code block_user}, {@code unblock_user} → {@code contact}; {@code
 * list_friend_requests}, {@code list_friends}, {@code list_blocked} → their pages; {@code
 * update_conversation} → {@code conversation_state}.
 *
 * <p>Threading: one per gateway, stateless; called on the event loop, never blocks (the work runs
 * on virtual threads through the {@link Request}).
 */
final class ContactRequests {
  private final Contacts contacts;
  private final ConversationList conversations;

  ContactRequests(Contacts contacts, ConversationList conversations) {
    this.contacts = contacts;
    this.conversations = conversations;
  }

  void sendFriendRequest(Request r, SendFriendRequest request) {
    Session s = r.session();
    r.async(() ->
        contact(contacts.sendRequest(s.app(), s.user(), request.getUser(), request.getMessage())));
  }

  void respondFriendRequest(Request r, RespondFriendRequest response) {
    Session s = r.session();
    r.async(() ->
        contact(contacts.respond(s.app(), s.user(), response.getUser(), response.getAccept())));
  }

  void listFriendRequests(Request r, ListFriendRequests list) {
    Session s = r.session();
    r.async(() ->
        ServerFrame.newBuilder()
            .setFriendRequests(
                SocialFrames.friendRequests(
                    contacts.requests(
                        s.app(),
                        s.user(),
                        list.getOutgoing(),
                        list.getCursor(),
                        list.getLimit()))));
  }

  void listFriends(Request r, ListFriends list) {
    Session s = r.session();
    r.async(() ->
        ServerFrame.newBuilder()
            .setFriends(
                SocialFrames.friends(
                    contacts.friends(s.app(), s.user(), list.getCursor(), list.getLimit()))));
  }

  void removeFriend(Request r, String user) {
    Session s = r.session();
    r.async(() -> contact(contacts.removeFriend(s.app(), s.user(), user)));
  }

  void block(Request r, String user) {
    Session s = r.session();
    r.async(() -> contact(contacts.block(s.app(), s.user(), user)));
  }

  void unblock(Request r, String user) {
    Session s = r.session();
    r.async(() -> contact(contacts.unblock(s.app(), s.user(), user)));
  }

  void listBlocked(Request r, ListBlocked list) {
    Session s = r.session();
    r.async(() ->
        ServerFrame.newBuilder()
            .setBlocked(
                SocialFrames.blocked(
                    contacts.blocked(s.app(), s.user(), list.getCursor(), list.getLimit()))));
  }

  void updateConversation(Request r, UpdateConversation update) {
    Session s = r.session();
    r.async(() ->
        ServerFrame.newBuilder()
            .setConversationState(
                Frames.conversationState(
                    conversations.update(
                        s.app(),
                        s.user(),
                        ConversationId.parse(update.getConversation()),
                        SocialFrames.change(update)))));
  }

  private static ServerFrame.Builder contact(Relation relation) {
    return ServerFrame.newBuilder().setContact(SocialFrames.contact(relation));
  }
}
