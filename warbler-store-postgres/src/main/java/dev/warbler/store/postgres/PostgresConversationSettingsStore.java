package dev.warbler.store.postgres;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.spi.ConversationSettingsStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Per-user conversation settings, kept on the {@code members} rows of {@link PostgresDatabase} and
 * written through its writer, so a change and its new change position commit together.
 */
final class PostgresConversationSettingsStore implements ConversationSettingsStore {
  private final PostgresDatabase db;
  private final PostgresMessageStore messages;

  PostgresConversationSettingsStore(PostgresDatabase db, PostgresMessageStore messages) {
    this.db = db;
    this.messages = messages;
  }

  @Override
  public Optional<ConversationState> updateSettings(
      String app, String user, ConversationId conversation, ConversationSettings.Change change) {
    return db.writer()
        .call(w -> {
          // coalesce(NULL, column) keeps the column: an unset field binds NULL.
          PreparedStatement ps =
              w.statement(
                  "UPDATE members SET pinned = coalesce(?, pinned), muted = coalesce(?, muted),"
                      + " archived = coalesce(?, archived), custom = coalesce(?, custom),"
                      + " change_pos = ? WHERE app = ? AND conversation = ? AND user_id = ?");
          ps.setObject(1, change.pinned().map(b -> b ? 1 : 0).orElse(null));
          ps.setObject(2, change.muted().map(b -> b ? 1 : 0).orElse(null));
          ps.setObject(3, change.archived().map(b -> b ? 1 : 0).orElse(null));
          ps.setObject(4, change.custom().orElse(null));
          ps.setLong(5, db.nextChangePosition());
          ps.setString(6, app);
          ps.setString(7, conversation.toString());
          ps.setString(8, user);
          if (ps.executeUpdate() == 0) {
            return Optional.empty();
          }
          return messages.stateOnWriter(app, user, conversation);
        });
  }

  @Override
  public List<ConversationState> conversations(String app, String user, String afterId, int limit) {
    return db.read(c -> {
      List<ConversationState> states = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT c.id, c.last_seq, m.read_seq, greatest(c.change_pos, m.change_pos), "
                  + PostgresMessageStore.SETTINGS_COLUMNS
                  + " FROM members m JOIN conversations c"
                  + " ON c.app = m.app AND c.id = m.conversation"
                  + " WHERE m.app = ? AND m.user_id = ? AND m.conversation > ?"
                  + " ORDER BY m.conversation LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, user);
        ps.setString(3, afterId);
        ps.setInt(4, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            states.add(
                new ConversationState(
                    ConversationId.parse(rs.getString(1)),
                    rs.getLong(2),
                    rs.getLong(3),
                    Optional.empty(),
                    rs.getLong(4),
                    PostgresMessageStore.settings(rs, 5)));
          }
        }
      }
      List<ConversationState> withLast = new ArrayList<>(states.size());
      for (ConversationState s : states) {
        withLast.add(
            PostgresMessageStore.complete(
                c,
                app,
                user,
                s.conversation(),
                s.lastSeq(),
                s.readSeq(),
                s.changePosition(),
                s.settings()));
      }
      return withLast;
    });
  }
}
