package dev.warbler.sdk;

import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.FriendRequestEvent;
import dev.warbler.protocol.v1.Message;

/**
 * Receives what a {@link WarblerClient} sees. All methods are called on the client's single
 * dispatcher thread, one at a time, so implementations need no locking of their own. They should
 * return quickly: while a callback runs, no other message is delivered and no reconnect starts. An
 * exception thrown by a callback is logged and otherwise ignored.
 */
@FunctionalInterface
public interface MessageListener {
  /**
   * A message received live or recovered by sync. Each (conversation, seq) arrives exactly once per
   * client, and in increasing seq order within a conversation.
   *
   * <p>Entries of type {@code CHANGE} arrive here too, in the same order: each changes an earlier
   * message ({@code change.target_seq}) of the same conversation, which the client already has when
   * it has everything before the entry. Apply it with {@link MessageChanges#apply}. A message
   * pulled after a change already shows it (recalled, edited, reaction counts): applying the entry
   * again is harmless. A message with {@code deleted_for_me} set is a tombstone: the user deleted
   * it for itself; show nothing, and ignore CHANGE entries that target it.
   */
  void onMessage(Message message);

  /**
   * The user deleted message {@code seq} of {@code conversation} for itself, on this device or
   * another: hide it. Only devices online at that moment hear this; the others see a tombstone when
   * they next load that message.
   */
  default void onDeletedForMe(String conversation, long seq) {}

  /**
   * The client is authenticated and has caught up (the sync after this connect has been delivered).
   * Called after every successful connect and reconnect.
   */
  default void onConnected(AuthOk session) {}

  /**
   * An authenticated connection was lost, or a reconnect attempt was refused for good. Check {@link
   * WarblerClient#state()}: {@link WarblerClient.State#RECONNECTING} means the client will
   * reconnect by itself, {@link WarblerClient.State#STOPPED} that it gave up (for example the token
   * was rejected).
   *
   * @param closeCode the WebSocket close code ({@value WarblerConnectionException#ABNORMAL} when
   *     the network failed)
   */
  default void onDisconnected(int closeCode, String reason) {}

  /**
   * A message in a chatroom this client joined ({@link WarblerClient#joinChatroom}). Chatrooms are
   * live: there is no sync, only the room's recent messages, which the client uses after a
   * reconnect to fill what it missed while they are still there. Within one epoch each seq arrives
   * at most once, in increasing order; a new epoch (the server restarted, or the room was
   * re-created) starts its seqs over.
   */
  default void onChatroomMessage(ChatroomMessage message) {}

  /** The client is no longer in a chatroom it joined: the room was deleted (or gone at rejoin). */
  default void onChatroomLeft(ChatroomLeft left) {}

  /**
   * A friend request to or from this user was sent ({@code FRIEND_REQUEST_PENDING}), accepted or
   * declined. Live only: {@link WarblerClient#listFriendRequests} lists what is pending.
   */
  default void onFriendRequest(FriendRequestEvent event) {}
}
