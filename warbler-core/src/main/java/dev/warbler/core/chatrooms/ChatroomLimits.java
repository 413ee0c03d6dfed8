package dev.warbler.core.chatrooms;

/**
 * Chatroom limits, each a named configuration value (see {@code warbler config defaults}).
 *
 * @param recentMessages messages kept in memory per room for those who join later
 * @param maxPresent connections present in one room at once; bounds one message's fan-out
 * @param maxRoomsPerConnection rooms one connection may be in; bounds per-connection push load
 * @param maxRoomsPerApp chatroom definitions per app; bounds the rooms held in memory
 */
public record ChatroomLimits(
    int recentMessages, int maxPresent, int maxRoomsPerConnection, int maxRoomsPerApp) {

  public static final ChatroomLimits DEFAULTS = new ChatroomLimits(50, 20_000, 10, 1_000);

  public ChatroomLimits {
    if (recentMessages < 0) {
      throw new IllegalArgumentException(
          "chatroom recent messages must be >= 0 but was " + recentMessages);
    }
    positive("chatroom max present", maxPresent);
    positive("chatroom max rooms per connection", maxRoomsPerConnection);
    positive("chatroom max rooms per app", maxRoomsPerApp);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
