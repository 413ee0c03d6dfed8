package dev.warbler.core.spi;

import dev.warbler.core.chatrooms.Chatroom;
import dev.warbler.core.chatrooms.Chatrooms;
import java.util.Optional;

/**
 * Chatroom definitions. Only definitions are stored: who is present and the recent messages live in
 * memory ({@link Chatrooms}). Writes are durable when the method returns. Thread-safe; methods may
 * block on I/O.
 */
public interface ChatroomStore {

  /** Stores a new chatroom; false if the id is taken in that app. */
  boolean createChatroom(Chatroom room);

  Optional<Chatroom> chatroom(String app, String id);

  /** Deletes a chatroom; false if there was none. */
  boolean deleteChatroom(String app, String id);

  /** How many chatrooms the app has. */
  int chatroomCount(String app);
}
