package dev.warbler.core.chatrooms;

import dev.warbler.core.messaging.ChatMessage;
import java.util.List;

/**
 * A connection's view of a room it just joined: the recent messages (oldest first), how many
 * connections are present (it included), and where the room's seq stands in its epoch.
 */
public record JoinedChatroom(
    Chatroom room, List<ChatMessage> recent, int present, long epoch, long lastSeq) {
  public JoinedChatroom {
    recent = List.copyOf(recent);
  }
}
