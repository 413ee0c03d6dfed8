package dev.warbler.store.postgres;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.spi.ReceiptStore;
import dev.warbler.core.state.MemberReceipt;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Delivered positions in the {@code members} table of a {@link PostgresDatabase}, written through
 * its single writer (group commit), read from its pool.
 */
final class PostgresReceiptStore implements ReceiptStore {
  private final PostgresDatabase db;

  PostgresReceiptStore(PostgresDatabase db) {
    this.db = db;
  }

  @Override
  public CompletableFuture<Optional<PositionChange>> markDelivered(
      String app, String user, ConversationId conversation, long seq) {
    String conv = conversation.toString();
    return db.writer()
        .submit(w -> {
          PreparedStatement select =
              w.statement(
                  "SELECT m.read_seq, m.delivered_seq, c.last_seq FROM members m"
                      + " JOIN conversations c ON c.app = m.app AND c.id = m.conversation"
                      + " WHERE m.app = ? AND m.conversation = ? AND m.user_id = ?");
          select.setString(1, app);
          select.setString(2, conv);
          select.setString(3, user);
          long read;
          long delivered;
          long last;
          try (ResultSet rs = select.executeQuery()) {
            if (!rs.next()) {
              return Optional.empty();
            }
            read = rs.getLong(1);
            delivered = rs.getLong(2);
            last = rs.getLong(3);
          }
          long next = Math.max(delivered, Math.min(seq, last));
          if (next > delivered) {
            PreparedStatement update =
                w.statement(
                    "UPDATE members SET delivered_seq = ?"
                        + " WHERE app = ? AND conversation = ? AND user_id = ?");
            update.setLong(1, next);
            update.setString(2, app);
            update.setString(3, conv);
            update.setString(4, user);
            update.executeUpdate();
          }
          return Optional.of(new PositionChange(Math.max(read, delivered), Math.max(read, next)));
        });
  }

  @Override
  public List<MemberReceipt> receipts(
      String app, ConversationId conversation, String afterUser, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT user_id, read_seq, greatest(read_seq, delivered_seq) FROM members"
                  + " WHERE app = ? AND conversation = ? AND user_id > ?"
                  + " ORDER BY user_id LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, conversation.toString());
        ps.setString(3, afterUser);
        ps.setInt(4, limit);
        List<MemberReceipt> list = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            list.add(new MemberReceipt(rs.getString(1), rs.getLong(2), rs.getLong(3)));
          }
        }
        return list;
      }
    });
  }
}
