package dev.warbler.store.postgres;

import dev.warbler.core.chatrooms.Chatroom;
import dev.warbler.core.spi.ChatroomStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/** Chatroom definitions in the PostgreSQL database, written through the shared writer. */
final class PostgresChatroomStore implements ChatroomStore {
  private final PostgresDatabase db;

  PostgresChatroomStore(PostgresDatabase db) {
    this.db = db;
  }

  @Override
  public boolean createChatroom(Chatroom room) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO chatrooms (app, id, name, max_members, created_at)"
                      + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
          ps.setString(1, room.app());
          ps.setString(2, room.id());
          ps.setString(3, room.name());
          ps.setInt(4, room.maxMembers());
          ps.setLong(5, room.createdAt());
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public Optional<Chatroom> chatroom(String app, String id) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT name, max_members, created_at FROM chatrooms WHERE app = ? AND id = ?")) {
        ps.setString(1, app);
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(new Chatroom(app, id, rs.getString(1), rs.getInt(2), rs.getLong(3)))
              : Optional.empty();
        }
      }
    });
  }

  @Override
  public boolean deleteChatroom(String app, String id) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps = w.statement("DELETE FROM chatrooms WHERE app = ? AND id = ?");
          ps.setString(1, app);
          ps.setString(2, id);
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public int chatroomCount(String app) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT count(*) FROM chatrooms WHERE app = ?")) {
        ps.setString(1, app);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
  }
}
