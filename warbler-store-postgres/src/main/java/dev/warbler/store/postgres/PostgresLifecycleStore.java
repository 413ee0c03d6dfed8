package dev.warbler.store.postgres;

import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.ReactionCount;
import dev.warbler.core.messaging.SendOptions;
import dev.warbler.core.spi.ChangeRequest;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.protocol.ErrorCode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The message lifecycle in the PostgreSQL store, sharing the {@link PostgresDatabase} and its
 * writer: a change and its CHANGE entry are written in one write of the writer, so they commit
 * together and the entry takes its seq like any append.
 */
final class PostgresLifecycleStore implements MessageLifecycleStore {
  /** Seqs asked about in one {@link #hidden} query; a page of pull is at most this many anyway. */
  private static final int MAX_SEQS_PER_QUERY = 1_000;

  private final PostgresDatabase db;
  private final PostgresMessageStore messages;

  PostgresLifecycleStore(PostgresDatabase db, PostgresMessageStore messages) {
    this.db = db;
    this.messages = messages;
  }

  @Override
  public CompletableFuture<AppendResult> change(ChangeRequest request) {
    return db.writer()
        .submit(
            PostgresMessageStore.writeKey(request.app(), request.conversation()),
            w -> apply(w, request),
            r -> {});
  }

  private AppendResult apply(PostgresWriter w, ChangeRequest r) throws SQLException {
    String conv = r.conversation().toString();
    PreparedStatement select =
        w.statement(
            "SELECT "
                + PostgresMessageStore.MESSAGE_COLUMNS
                + " FROM messages WHERE app = ? AND conversation = ? AND seq = ? FOR UPDATE");
    select.setString(1, r.app());
    select.setString(2, conv);
    select.setLong(3, r.targetSeq());
    List<ChatMessage> found = PostgresMessageStore.messages(r.app(), select);
    if (found.isEmpty()) {
      throw new WarblerException(
          ErrorCode.MESSAGE_NOT_FOUND,
          r.conversation() + " has no message with seq " + r.targetSeq());
    }
    ChatMessage target = found.get(0);
    if (target.type() == MessageType.CHANGE) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "seq " + r.targetSeq() + " is a CHANGE entry, not a message");
    }
    boolean recalled = target.extras().recalled();
    MessageChange.Action action;
    switch (r.kind()) {
      case ChangeRequest.Kind.Recall recall -> {
        if (recalled) {
          return new AppendResult(target, true);
        }
        recall(w, r, target);
        action = new MessageChange.Action.Recall();
      }
      case ChangeRequest.Kind.Edit edit -> {
        requireNotRecalled(r, recalled);
        if (target.text().equals(edit.text()) && target.payload().equals(edit.payload())) {
          // Nothing changes: a retried edit (or a no-op) stores no second entry.
          return new AppendResult(target, true);
        }
        PreparedStatement ps =
            w.statement(
                "UPDATE messages SET text = ?, payload = ?, edited_at = ?"
                    + " WHERE app = ? AND conversation = ? AND seq = ?");
        ps.setString(1, edit.text());
        ps.setString(2, edit.payload());
        ps.setLong(3, r.at());
        ps.setString(4, r.app());
        ps.setString(5, conv);
        ps.setLong(6, r.targetSeq());
        ps.executeUpdate();
        action = new MessageChange.Action.Edit(edit.text(), edit.payload(), r.at());
      }
      case ChangeRequest.Kind.React react -> {
        requireNotRecalled(r, recalled);
        Optional<MessageChange.Action> reaction = react(w, r, target, react);
        if (reaction.isEmpty()) {
          return new AppendResult(target, true);
        }
        action = reaction.get();
      }
    }
    NewMessage entry =
        new NewMessage(
            r.app(),
            r.conversation(),
            r.id(),
            r.id(),
            r.actor(),
            MessageType.CHANGE,
            "",
            "",
            r.at(),
            SendOptions.NONE);
    ChatMessage stored =
        messages.appendEntry(w, entry, Optional.of(new MessageChange(r.targetSeq(), action)));
    return new AppendResult(stored, false);
  }

  private static void requireNotRecalled(ChangeRequest r, boolean recalled) {
    if (recalled) {
      throw new WarblerException(
          ErrorCode.FORBIDDEN,
          "message " + r.targetSeq() + " of " + r.conversation() + " was recalled");
    }
  }

  /** Clears the content, mentions and reactions of the target and marks it recalled. */
  private static void recall(PostgresWriter w, ChangeRequest r, ChatMessage target)
      throws SQLException {
    String conv = r.conversation().toString();
    PreparedStatement ps =
        w.statement(
            "UPDATE messages SET recalled = 1, text = '', payload = '', mentions = '',"
                + " mention_all = 0, reactions = '' WHERE app = ? AND conversation = ? AND seq = ?");
    ps.setString(1, r.app());
    ps.setString(2, conv);
    ps.setLong(3, r.targetSeq());
    ps.executeUpdate();
    List<String> mentioned = new ArrayList<>(target.extras().mentions());
    if (target.extras().mentionAll()) {
      mentioned.add(PostgresMessageStore.MENTION_ALL);
    }
    PreparedStatement unmention =
        w.statement(
            "DELETE FROM message_mentions WHERE app = ? AND conversation = ? AND user_id = ?"
                + " AND seq = ?");
    for (String user : mentioned) {
      unmention.setString(1, r.app());
      unmention.setString(2, conv);
      unmention.setString(3, user);
      unmention.setLong(4, r.targetSeq());
      unmention.executeUpdate();
    }
    PreparedStatement reactions =
        w.statement("DELETE FROM message_reactions WHERE app = ? AND conversation = ? AND seq = ?");
    reactions.setString(1, r.app());
    reactions.setString(2, conv);
    reactions.setLong(3, r.targetSeq());
    reactions.executeUpdate();
  }

  /** Adds or removes the actor's reaction; empty when that changes nothing. */
  private static Optional<MessageChange.Action> react(
      PostgresWriter w, ChangeRequest r, ChatMessage target, ChangeRequest.Kind.React react)
      throws SQLException {
    String conv = r.conversation().toString();
    PreparedStatement exists =
        w.statement(
            "SELECT 1 FROM message_reactions WHERE app = ? AND conversation = ? AND seq = ?"
                + " AND emoji = ? AND user_id = ?");
    exists.setString(1, r.app());
    exists.setString(2, conv);
    exists.setLong(3, r.targetSeq());
    exists.setString(4, react.emoji());
    exists.setString(5, r.actor());
    boolean has;
    try (ResultSet rs = exists.executeQuery()) {
      has = rs.next();
    }
    if (has != react.remove()) {
      return Optional.empty();
    }
    List<ReactionCount> counts = target.extras().reactions();
    if (react.remove()) {
      PreparedStatement delete =
          w.statement(
              "DELETE FROM message_reactions WHERE app = ? AND conversation = ? AND seq = ?"
                  + " AND emoji = ? AND user_id = ?");
      delete.setString(1, r.app());
      delete.setString(2, conv);
      delete.setLong(3, r.targetSeq());
      delete.setString(4, react.emoji());
      delete.setString(5, r.actor());
      delete.executeUpdate();
    } else {
      boolean newKind = counts.stream().noneMatch(c -> c.emoji().equals(react.emoji()));
      if (newKind && counts.size() >= react.maxKinds()) {
        throw new WarblerException(
            ErrorCode.LIMIT_EXCEEDED,
            "message "
                + r.targetSeq()
                + " already has "
                + counts.size()
                + " kinds of reaction (limits.max-reaction-kinds)");
      }
      PreparedStatement insert =
          w.statement(
              "INSERT INTO message_reactions (app, conversation, seq, emoji, user_id, reacted_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?)");
      insert.setString(1, r.app());
      insert.setString(2, conv);
      insert.setLong(3, r.targetSeq());
      insert.setString(4, react.emoji());
      insert.setString(5, r.actor());
      insert.setLong(6, r.at());
      insert.executeUpdate();
    }
    PreparedStatement count =
        w.statement(
            "SELECT count(*) FROM message_reactions WHERE app = ? AND conversation = ? AND seq = ?"
                + " AND emoji = ?");
    count.setString(1, r.app());
    count.setString(2, conv);
    count.setLong(3, r.targetSeq());
    count.setString(4, react.emoji());
    long now;
    try (ResultSet rs = count.executeQuery()) {
      rs.next();
      now = rs.getLong(1);
    }
    List<ReactionCount> updated = new ArrayList<>();
    boolean seen = false;
    for (ReactionCount c : counts) {
      if (c.emoji().equals(react.emoji())) {
        updated.add(new ReactionCount(c.emoji(), now, false));
        seen = true;
      } else {
        updated.add(c);
      }
    }
    if (!seen) {
      updated.add(new ReactionCount(react.emoji(), now, false));
    }
    PreparedStatement update =
        w.statement(
            "UPDATE messages SET reactions = ? WHERE app = ? AND conversation = ? AND seq = ?");
    update.setString(1, PostgresMessageStore.reactionsColumn(updated));
    update.setString(2, r.app());
    update.setString(3, conv);
    update.setLong(4, r.targetSeq());
    update.executeUpdate();
    return Optional.of(new MessageChange.Action.Reaction(react.emoji(), !react.remove(), now));
  }

  @Override
  public boolean hide(String app, String user, ConversationId conversation, long seq) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO hidden_messages (app, user_id, conversation, seq)"
                      + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
          ps.setString(1, app);
          ps.setString(2, user);
          ps.setString(3, conversation.toString());
          ps.setLong(4, seq);
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public Set<Long> hidden(
      String app, String user, ConversationId conversation, Collection<Long> seqs) {
    if (seqs.isEmpty()) {
      return Set.of();
    }
    List<Long> all = List.copyOf(seqs);
    Set<Long> hidden = new HashSet<>();
    for (int from = 0; from < all.size(); from += MAX_SEQS_PER_QUERY) {
      List<Long> chunk = all.subList(from, Math.min(all.size(), from + MAX_SEQS_PER_QUERY));
      hidden.addAll(
          db.read(c -> {
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT seq FROM hidden_messages WHERE app = ? AND user_id = ?"
                        + " AND conversation = ? AND seq IN ("
                        + marks
                        + ")")) {
              ps.setString(1, app);
              ps.setString(2, user);
              ps.setString(3, conversation.toString());
              for (int i = 0; i < chunk.size(); i++) {
                ps.setLong(4 + i, chunk.get(i));
              }
              Set<Long> found = new HashSet<>();
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  found.add(rs.getLong(1));
                }
              }
              return found;
            }
          }));
    }
    return hidden;
  }

  @Override
  public Map<Long, Set<String>> reactionsOf(
      String app, String user, ConversationId conversation, long fromSeq, long toSeq) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT seq, emoji FROM message_reactions WHERE app = ? AND conversation = ?"
                  + " AND user_id = ? AND seq BETWEEN ? AND ?")) {
        ps.setString(1, app);
        ps.setString(2, conversation.toString());
        ps.setString(3, user);
        ps.setLong(4, fromSeq);
        ps.setLong(5, toSeq);
        Map<Long, Set<String>> mine = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            mine.computeIfAbsent(rs.getLong(1), k -> new HashSet<>()).add(rs.getString(2));
          }
        }
        return mine;
      }
    });
  }
}
