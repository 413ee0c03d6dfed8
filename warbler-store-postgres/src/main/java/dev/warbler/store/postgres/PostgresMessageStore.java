package dev.warbler.store.postgres;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageExtras;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.messaging.ReactionCount;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Messages and per-user conversation state in the {@link PostgresDatabase}: appends allocate seqs
 * on the node's writer; reads use its pool. The lifecycle, group and settings ports append and read
 * through the helpers here.
 */
final class PostgresMessageStore implements MessageStore {
  /** The columns {@link #message(String, ResultSet)} reads, in its order. */
  static final String MESSAGE_COLUMNS =
      "conversation, seq, id, client_msg_id, sender, type, text, payload, sent_at, reply_to,"
          + " mentions, mention_all, forwarded_from, recalled, edited_at, reactions,"
          + " change_target, change_kind, change_emoji, change_count";

  /** {@code change_kind} values of CHANGE entries. */
  static final int CHANGE_RECALL = 1;

  static final int CHANGE_EDIT = 2;
  static final int CHANGE_REACTION_ADDED = 3;
  static final int CHANGE_REACTION_REMOVED = 4;

  /** The {@code message_mentions.user_id} that stands for @all. */
  static final String MENTION_ALL = "*";

  private final PostgresDatabase db;

  PostgresMessageStore(PostgresDatabase db) {
    this.db = db;
  }

  // ---- messages ----------------------------------------------------------------------------

  @Override
  public CompletableFuture<AppendResult> append(NewMessage m) {
    String key = writeKey(m.app(), m.conversation());
    if (m.options().mentions().isEmpty() && !m.options().mentionAll()) {
      return db.writer().submitBulk(key, bulkAppend, m, w -> appendInTransaction(w, m));
    }
    return db.writer().submit(key, w -> appendInTransaction(w, m), r -> {});
  }

  /** Appends without mentions next to each other in a batch, as one statement. */
  private final PostgresWriter.Bulk<NewMessage> bulkAppend = this::appendAll;

  /**
   * {@link #appendInTransaction} of many messages without mentions in one statement, one round
   * trip: the same seqs, positions, members and read positions as appending them one after the
   * other. A client message id repeated within {@code all} gets the first one's message as a
   * duplicate.
   */
  private List<Object> appendAll(PostgresWriter w, List<NewMessage> all) throws SQLException {
    Map<String, Integer> firstOf = new HashMap<>();
    List<NewMessage> unique = new ArrayList<>(all.size());
    int[] index = new int[all.size()];
    for (int i = 0; i < all.size(); i++) {
      NewMessage m = all.get(i);
      String key = m.app() + '\u0000' + m.sender() + '\u0000' + m.clientMsgId();
      Integer first = firstOf.putIfAbsent(key, unique.size());
      if (first == null) {
        index[i] = unique.size();
        unique.add(m);
      } else {
        index[i] = -1 - first;
      }
    }
    int n = unique.size();
    String[] app = new String[n];
    String[] conv = new String[n];
    String[] id = new String[n];
    String[] cmid = new String[n];
    String[] sender = new String[n];
    Integer[] type = new Integer[n];
    String[] text = new String[n];
    String[] payload = new String[n];
    Long[] sentAt = new Long[n];
    Long[] replyTo = new Long[n];
    String[] forwarded = new String[n];
    Long[] pos = new Long[n];
    // The first write of a batch to take positions locks the counter row in its own statement.
    boolean lockInStatement = !db.positions().taken();
    List<String[]> implied = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      NewMessage m = unique.get(i);
      app[i] = m.app();
      conv[i] = m.conversation().toString();
      id[i] = m.id();
      cmid[i] = m.clientMsgId();
      sender[i] = m.sender();
      type[i] = m.type().wire();
      text[i] = m.text();
      payload[i] = m.payload();
      sentAt[i] = m.sentAt();
      replyTo[i] = m.options().replyTo();
      forwarded[i] = m.options().forwardedFrom();
      pos[i] = lockInStatement ? null : db.nextChangePosition();
      if (seen.add(app[i] + '\u0000' + conv[i])) {
        for (String user : m.conversation().impliedMembers()) {
          implied.add(new String[] {app[i], conv[i], user});
        }
      }
    }
    Connection c = w.connection();
    PreparedStatement ps = w.statement(lockInStatement ? APPEND_ALL_LOCKING : APPEND_ALL);
    ps.setArray(1, c.createArrayOf("text", app));
    ps.setArray(2, c.createArrayOf("text", conv));
    ps.setArray(3, c.createArrayOf("text", id));
    ps.setArray(4, c.createArrayOf("text", cmid));
    ps.setArray(5, c.createArrayOf("text", sender));
    ps.setArray(6, c.createArrayOf("int4", type));
    ps.setArray(7, c.createArrayOf("text", text));
    ps.setArray(8, c.createArrayOf("text", payload));
    ps.setArray(9, c.createArrayOf("int8", sentAt));
    ps.setArray(10, c.createArrayOf("int8", replyTo));
    ps.setArray(11, c.createArrayOf("text", forwarded));
    ps.setArray(12, c.createArrayOf("int8", pos));
    ps.setArray(13, c.createArrayOf("text", implied.stream().map(t -> t[0]).toArray()));
    ps.setArray(14, c.createArrayOf("text", implied.stream().map(t -> t[1]).toArray()));
    ps.setArray(15, c.createArrayOf("text", implied.stream().map(t -> t[2]).toArray()));
    AppendResult[] results = new AppendResult[n];
    try (ResultSet rs = ps.executeQuery()) {
      for (int i = 0; i < n; i++) {
        if (!rs.next()) {
          throw new SQLException("the bulk append returned " + i + " rows for " + n);
        }
        if (lockInStatement && i == 0) {
          db.positions().takenInStatement(rs.getLong(MESSAGE_COLUMN_COUNT + 2));
        }
        NewMessage m = unique.get(i);
        if (rs.getString(1) != null) {
          results[i] = new AppendResult(message(m.app(), rs), true);
        } else {
          ChatMessage stored =
              new ChatMessage(
                  m.app(),
                  m.conversation(),
                  rs.getLong(MESSAGE_COLUMN_COUNT + 1),
                  m.id(),
                  m.clientMsgId(),
                  m.sender(),
                  m.type(),
                  m.text(),
                  m.payload(),
                  m.sentAt(),
                  MessageExtras.sent(m.options()));
          results[i] = new AppendResult(stored, false);
        }
      }
    }
    List<Object> out = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      out.add(
          index[i] >= 0
              ? results[index[i]]
              : new AppendResult(results[-1 - index[i]].message(), true));
    }
    return out;
  }

  /** {@link #MESSAGE_COLUMNS}, each qualified with {@code alias}. */
  private static String qualified(String alias) {
    return Arrays.stream(MESSAGE_COLUMNS.split(","))
        .map(col -> alias + "." + col.strip())
        .collect(Collectors.joining(", "));
  }

  /**
   * The statement of {@link #appendAll}: per input row, in input order, the existing message's
   * {@link #MESSAGE_COLUMNS} (all null when new), then the new seq (null for a duplicate). Seqs of
   * a conversation follow input order; its row moves to its last position; the members of a new
   * direct or system conversation start at its first position; each sender reads up to its last
   * message. Conversation rows are upserted in key order, as two nodes must lock them.
   *
   * <p>The idempotency lookup is a LATERAL probe, not a join: a plain join let PostgreSQL cache a
   * generic plan made while the table was small (a hash join over a sequential scan of {@code
   * messages}) and keep it as the table grew, so each batch scanned every message (PostgreSQL's CPU
   * grew with the table: half a core at 1,000/s after a minute). A probe per input row can only be
   * an index lookup.
   */
  private static final String APPEND_ALL =
      "WITH input AS ("
          + " SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
          + " ?::int[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[])"
          + " WITH ORDINALITY AS t(app, conv, id, cmid, sender, type, text, payload, sent_at,"
          + " reply_to, fwd, pos, ord)"
          + appendAllAfterInput("");

  /**
   * {@link #APPEND_ALL} for the first write of a batch to take sync positions: it locks the counter
   * row itself, numbers its messages from the counter (the positions parameter is ignored), writes
   * the last one back, and returns it after the seq on every row ({@link SyncPositions}).
   */
  private static final String APPEND_ALL_LOCKING =
      "WITH counter AS ("
          + " SELECT value FROM sync_position WHERE id = 1 FOR UPDATE"
          + "), input AS ("
          + " SELECT t.app, t.conv, t.id, t.cmid, t.sender, t.type, t.text, t.payload,"
          + " t.sent_at, t.reply_to, t.fwd, (SELECT value FROM counter) + t.ord AS pos, t.ord"
          + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
          + " ?::int[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[])"
          + " WITH ORDINALITY AS t(app, conv, id, cmid, sender, type, text, payload, sent_at,"
          + " reply_to, fwd, unused, ord)"
          + "), moved AS ("
          + " UPDATE sync_position SET value = (SELECT value FROM counter)"
          + " + (SELECT count(*) FROM input) WHERE id = 1 RETURNING value"
          + appendAllAfterInput(", (SELECT value FROM moved)");

  /**
   * {@link #APPEND_ALL} after its input: from the idempotency lookup on, with {@code extra} after
   * the seq in the result.
   */
  private static String appendAllAfterInput(String extra) {
    return "), existing AS ("
        + " SELECT i.ord AS eord, "
        + qualified("m")
        + " FROM input i JOIN LATERAL (SELECT "
        + MESSAGE_COLUMNS
        + " FROM messages WHERE app = i.app AND sender = i.sender AND client_msg_id = i.cmid"
        + " LIMIT 1) m ON true"
        + "), fresh AS ("
        + " SELECT i.*, row_number() OVER (PARTITION BY i.app, i.conv ORDER BY i.ord) AS k"
        + " FROM input i WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.eord = i.ord)"
        + "), convs AS ("
        + " SELECT app, conv, count(*) AS n, max(pos) AS lastpos, min(pos) AS firstpos"
        + " FROM fresh GROUP BY app, conv"
        + "), bump AS ("
        + " INSERT INTO conversations (app, id, last_seq, change_pos)"
        + " SELECT app, conv, n, lastpos FROM convs ORDER BY app, conv"
        + " ON CONFLICT (app, id) DO UPDATE SET last_seq = conversations.last_seq"
        + " + excluded.last_seq, change_pos = excluded.change_pos RETURNING app, id, last_seq"
        + "), numbered AS ("
        + " SELECT f.*, b.last_seq - c.n + f.k AS seq"
        + " FROM fresh f JOIN convs c ON c.app = f.app AND c.conv = f.conv"
        + " JOIN bump b ON b.app = f.app AND b.id = f.conv"
        + "), ins AS ("
        + " INSERT INTO messages (app, conversation, seq, id, client_msg_id, sender, type, text,"
        + " payload, sent_at, reply_to, forwarded_from)"
        + " SELECT app, conv, seq, id, cmid, sender, type, text, payload, sent_at, reply_to, fwd"
        + " FROM numbered"
        + "), joined AS ("
        + " INSERT INTO members (app, conversation, user_id, read_seq, change_pos)"
        + " SELECT im.app, im.conv, im.usr,"
        + " coalesce((SELECT max(x.seq) FROM numbered x WHERE x.app = im.app"
        + " AND x.conv = im.conv AND x.sender = im.usr), 0), c.firstpos"
        + " FROM unnest(?::text[], ?::text[], ?::text[]) AS im(app, conv, usr)"
        + " JOIN convs c ON c.app = im.app AND c.conv = im.conv"
        + " JOIN bump b ON b.app = im.app AND b.id = im.conv"
        + " WHERE b.last_seq = c.n ON CONFLICT DO NOTHING"
        + "), has_read AS ("
        + " UPDATE members m SET read_seq = r.seq FROM (SELECT app, conv, sender, max(seq) AS seq"
        + " FROM numbered WHERE sender <> '' GROUP BY app, conv, sender) r"
        + " WHERE m.app = r.app AND m.conversation = r.conv AND m.user_id = r.sender"
        + ")"
        + " SELECT "
        + qualified("e")
        + ", n.seq"
        + extra
        + " FROM input i LEFT JOIN existing e ON e.eord = i.ord"
        + " LEFT JOIN numbered n ON n.ord = i.ord ORDER BY i.ord";
  }

  /** The writer's ordering key of writes to one conversation (see {@link PostgresWriter}). */
  static String writeKey(String app, ConversationId conversation) {
    return app + '\u0000' + conversation;
  }

  /**
   * Appends inside the writer's current transaction (idempotent on the client message id); for
   * sibling stores that append events.
   */
  AppendResult appendInTransaction(PostgresWriter w, NewMessage m) throws SQLException {
    if (m.options().mentions().isEmpty() && !m.options().mentionAll()) {
      return appendInOneStatement(w, m);
    }
    PreparedStatement existing =
        w.statement(
            "SELECT "
                + MESSAGE_COLUMNS
                + " FROM messages WHERE app = ? AND sender = ? AND client_msg_id = ?");
    existing.setString(1, m.app());
    existing.setString(2, m.sender());
    existing.setString(3, m.clientMsgId());
    try (ResultSet rs = existing.executeQuery()) {
      if (rs.next()) {
        return new AppendResult(message(m.app(), rs), true);
      }
    }
    return new AppendResult(appendEntry(w, m, Optional.empty()), false);
  }

  /**
   * {@link #appendInTransaction} of a message without mentions (the common case) as one statement,
   * one round trip to the server: looks for the client message id, and when it is new allocates the
   * seq on the conversation row, inserts the message, creates the members of a new direct or system
   * conversation and moves the sender's read position, as {@link #appendEntry} does in several.
   * Data-modifying parts of one statement see the same snapshot, so the members it creates get
   * their read position in the insert rather than from the update.
   */
  private AppendResult appendInOneStatement(PostgresWriter w, NewMessage m) throws SQLException {
    String conv = m.conversation().toString();
    long pos = db.nextChangePosition();
    PreparedStatement ps = w.statement(APPEND);
    ps.setString(1, m.app());
    ps.setString(2, m.sender());
    ps.setString(3, m.clientMsgId());
    ps.setString(4, m.app());
    ps.setString(5, conv);
    ps.setLong(6, pos);
    ps.setString(7, m.app());
    ps.setString(8, conv);
    ps.setString(9, m.id());
    ps.setString(10, m.clientMsgId());
    ps.setString(11, m.sender());
    ps.setInt(12, m.type().wire());
    ps.setString(13, m.text());
    ps.setString(14, m.payload());
    ps.setLong(15, m.sentAt());
    ps.setLong(16, m.options().replyTo());
    ps.setString(17, m.options().forwardedFrom());
    ps.setString(18, m.app());
    ps.setString(19, conv);
    ps.setString(20, m.sender());
    ps.setLong(21, pos);
    ps.setArray(
        22, w.connection().createArrayOf("text", m.conversation().impliedMembers().toArray()));
    ps.setString(23, m.app());
    ps.setString(24, conv);
    ps.setString(25, m.sender());
    ps.setString(26, m.sender());
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      if (rs.getString(1) != null) {
        return new AppendResult(message(m.app(), rs), true);
      }
      long seq = rs.getLong(MESSAGE_COLUMN_COUNT + 1);
      return new AppendResult(
          new ChatMessage(
              m.app(),
              m.conversation(),
              seq,
              m.id(),
              m.clientMsgId(),
              m.sender(),
              m.type(),
              m.text(),
              m.payload(),
              m.sentAt(),
              MessageExtras.sent(m.options())),
          false);
    }
  }

  /** The number of {@link #MESSAGE_COLUMNS}. */
  private static final int MESSAGE_COLUMN_COUNT = MESSAGE_COLUMNS.split(",").length;

  /**
   * The statement of {@link #appendInOneStatement}: the existing message's {@link #MESSAGE_COLUMNS}
   * (all null when the id is new), then the new seq (null for a duplicate).
   */
  private static final String APPEND =
      "WITH existing AS ("
          + " SELECT "
          + MESSAGE_COLUMNS
          + " FROM messages WHERE app = ? AND sender = ? AND client_msg_id = ?"
          + "), bump AS ("
          + " INSERT INTO conversations (app, id, last_seq, change_pos)"
          + " SELECT ?, ?, 1, ? WHERE NOT EXISTS (SELECT 1 FROM existing)"
          + " ON CONFLICT (app, id) DO UPDATE SET last_seq = conversations.last_seq + 1,"
          + " change_pos = excluded.change_pos RETURNING last_seq"
          + "), ins AS ("
          + " INSERT INTO messages (app, conversation, seq, id, client_msg_id, sender, type, text,"
          + " payload, sent_at, reply_to, forwarded_from)"
          + " SELECT ?, ?, last_seq, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM bump RETURNING seq"
          + "), joined AS ("
          + " INSERT INTO members (app, conversation, user_id, read_seq, change_pos)"
          + " SELECT ?, ?, u, CASE WHEN u = ? THEN 1 ELSE 0 END, ?"
          + " FROM bump, unnest(?::text[]) AS u WHERE bump.last_seq = 1 ON CONFLICT DO NOTHING"
          + "), has_read AS ("
          + " UPDATE members SET read_seq = ins.seq FROM ins WHERE members.app = ?"
          + " AND members.conversation = ? AND members.user_id = ? AND ? <> ''"
          + ")"
          + " SELECT e.*, (SELECT seq FROM ins) FROM (SELECT 1) AS one LEFT JOIN existing e ON true";

  /**
   * Allocates the next seq and stores {@code m} (with its mentions) under it, moving the
   * conversation's change position; creates direct and system conversations' members on the first
   * append. A CHANGE entry ({@code change} present) does not move the sender's read position; any
   * other message marks the conversation read up to it for its sender. Only call from a write
   * running on the writer; the caller checks idempotency.
   */
  ChatMessage appendEntry(PostgresWriter w, NewMessage m, Optional<MessageChange> change)
      throws SQLException {
    String conv = m.conversation().toString();
    long pos = db.nextChangePosition();
    PreparedStatement bump =
        w.statement(
            "INSERT INTO conversations (app, id, last_seq, change_pos) VALUES (?, ?, 1, ?)"
                + " ON CONFLICT (app, id) DO UPDATE SET last_seq = conversations.last_seq + 1,"
                + " change_pos = excluded.change_pos RETURNING last_seq");
    bump.setString(1, m.app());
    bump.setString(2, conv);
    bump.setLong(3, pos);
    long seq;
    try (ResultSet rs = bump.executeQuery()) {
      rs.next();
      seq = rs.getLong(1);
    }
    if (seq == 1) {
      for (String user : m.conversation().impliedMembers()) {
        insertMember(w, m.app(), conv, user, pos);
      }
    }
    String text = m.text();
    String payload = m.payload();
    long target = 0;
    int kind = 0;
    String emoji = "";
    long count = 0;
    if (change.isPresent()) {
      target = change.get().targetSeq();
      switch (change.get().action()) {
        case MessageChange.Action.Recall r -> kind = CHANGE_RECALL;
        case MessageChange.Action.Edit e -> {
          kind = CHANGE_EDIT;
          text = e.text();
          payload = e.payload();
        }
        case MessageChange.Action.Reaction r -> {
          kind = r.added() ? CHANGE_REACTION_ADDED : CHANGE_REACTION_REMOVED;
          emoji = r.emoji();
          count = r.count();
        }
      }
    }
    PreparedStatement insert =
        w.statement(
            "INSERT INTO messages (app, conversation, seq, id, client_msg_id, sender, type, text,"
                + " payload, sent_at, reply_to, mentions, mention_all, forwarded_from,"
                + " change_target, change_kind, change_emoji, change_count)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setString(1, m.app());
    insert.setString(2, conv);
    insert.setLong(3, seq);
    insert.setString(4, m.id());
    insert.setString(5, m.clientMsgId());
    insert.setString(6, m.sender());
    insert.setInt(7, m.type().wire());
    insert.setString(8, text);
    insert.setString(9, payload);
    insert.setLong(10, m.sentAt());
    insert.setLong(11, m.options().replyTo());
    insert.setString(12, String.join(" ", m.options().mentions()));
    insert.setInt(13, m.options().mentionAll() ? 1 : 0);
    insert.setString(14, m.options().forwardedFrom());
    insert.setLong(15, target);
    insert.setInt(16, kind);
    insert.setString(17, emoji);
    insert.setLong(18, count);
    insert.executeUpdate();
    if (!m.options().mentions().isEmpty() || m.options().mentionAll()) {
      PreparedStatement mention =
          w.statement(
              "INSERT INTO message_mentions (app, conversation, user_id, seq, sender)"
                  + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
      List<String> mentioned = new ArrayList<>(m.options().mentions());
      if (m.options().mentionAll()) {
        mentioned.add(MENTION_ALL);
      }
      for (String user : mentioned) {
        mention.setString(1, m.app());
        mention.setString(2, conv);
        mention.setString(3, user);
        mention.setLong(4, seq);
        mention.setString(5, m.sender());
        mention.executeUpdate();
      }
    }
    if (!m.sender().isEmpty() && change.isEmpty()) {
      PreparedStatement read =
          w.statement(
              "UPDATE members SET read_seq = ? WHERE app = ? AND conversation = ? AND user_id = ?");
      read.setLong(1, seq);
      read.setString(2, m.app());
      read.setString(3, conv);
      read.setString(4, m.sender());
      read.executeUpdate();
    }
    MessageExtras extras = MessageExtras.sent(m.options());
    if (change.isPresent()) {
      extras =
          new MessageExtras(
              extras.replyTo(),
              extras.mentions(),
              extras.mentionAll(),
              extras.forwardedFrom(),
              change,
              false,
              0,
              List.of(),
              false);
    }
    return new ChatMessage(
        m.app(),
        m.conversation(),
        seq,
        m.id(),
        m.clientMsgId(),
        m.sender(),
        m.type(),
        m.text(),
        m.payload(),
        m.sentAt(),
        extras);
  }

  private static void insertMember(PostgresWriter w, String app, String conv, String user, long pos)
      throws SQLException {
    PreparedStatement ps =
        w.statement(
            "INSERT INTO members (app, conversation, user_id, read_seq, change_pos)"
                + " VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING");
    ps.setString(1, app);
    ps.setString(2, conv);
    ps.setString(3, user);
    ps.setLong(4, pos);
    ps.executeUpdate();
  }

  @Override
  public Optional<ChatMessage> message(String app, ConversationId conversation, long seq) {
    return db.read(c -> messageAt(c, app, conversation, seq));
  }

  /** The message with this seq, read on {@code c}. */
  static Optional<ChatMessage> messageAt(
      Connection c, String app, ConversationId conversation, long seq) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + MESSAGE_COLUMNS
                + " FROM messages WHERE app = ? AND conversation = ? AND seq = ?")) {
      ps.setString(1, app);
      ps.setString(2, conversation.toString());
      ps.setLong(3, seq);
      return messages(app, ps).stream().findFirst();
    }
  }

  @Override
  public MessagePage after(String app, ConversationId conversation, long afterSeq, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + MESSAGE_COLUMNS
                  + " FROM messages WHERE app = ? AND conversation = ? AND seq > ?"
                  + " ORDER BY seq LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, conversation.toString());
        ps.setLong(3, afterSeq);
        ps.setInt(4, limit + 1);
        List<ChatMessage> list = messages(app, ps);
        boolean more = list.size() > limit;
        return new MessagePage(conversation, more ? list.subList(0, limit) : list, more);
      }
    });
  }

  @Override
  public MessagePage before(String app, ConversationId conversation, long beforeSeq, int limit) {
    return db.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + MESSAGE_COLUMNS
                  + " FROM messages WHERE app = ? AND conversation = ? AND seq < ?"
                  + " ORDER BY seq DESC LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, conversation.toString());
        ps.setLong(3, beforeSeq);
        ps.setInt(4, limit + 1);
        List<ChatMessage> list = messages(app, ps);
        boolean more = list.size() > limit;
        List<ChatMessage> page = new ArrayList<>(more ? list.subList(0, limit) : list);
        Collections.reverse(page);
        return new MessagePage(conversation, page, more);
      }
    });
  }

  @Override
  public SyncPage changedSince(String app, String user, long cursor, int limit) {
    return db.read(c -> {
      List<ConversationState> states = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT c.id, c.last_seq, m.read_seq, greatest(c.change_pos, m.change_pos) AS pos,"
                  + " "
                  + SETTINGS_COLUMNS
                  + " FROM members m JOIN conversations c"
                  + " ON c.app = m.app AND c.id = m.conversation"
                  + " WHERE m.app = ? AND m.user_id = ? AND greatest(c.change_pos, m.change_pos) > ?"
                  + " ORDER BY pos LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, user);
        ps.setLong(3, cursor);
        ps.setInt(4, limit + 1);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ConversationId id = ConversationId.parse(rs.getString(1));
            long last = rs.getLong(2);
            states.add(
                new ConversationState(
                    id, last, rs.getLong(3), Optional.empty(), rs.getLong(4), settings(rs, 5)));
          }
        }
      }
      boolean more = states.size() > limit;
      List<ConversationState> page = more ? states.subList(0, limit) : states;
      List<ConversationState> withLast = new ArrayList<>(page.size());
      for (ConversationState s : page) {
        withLast.add(
            complete(
                c,
                app,
                user,
                s.conversation(),
                s.lastSeq(),
                s.readSeq(),
                s.changePosition(),
                s.settings()));
      }
      long next = page.isEmpty() ? cursor : page.get(page.size() - 1).changePosition();
      return new SyncPage(withLast, next, more);
    });
  }

  /**
   * The member columns holding a user's settings of a conversation, in the order {@link #settings}
   * reads them; qualified with the alias {@code m} of the members table.
   */
  static final String SETTINGS_COLUMNS = "m.pinned, m.muted, m.archived, m.custom";

  /** Reads the {@link #SETTINGS_COLUMNS} starting at column {@code first}. */
  static ConversationSettings settings(ResultSet rs, int first) throws SQLException {
    return new ConversationSettings(
        rs.getInt(first) != 0,
        rs.getInt(first + 1) != 0,
        rs.getInt(first + 2) != 0,
        rs.getString(first + 3));
  }

  /**
   * A user's state with its last message (the newest that is not a CHANGE entry), its unread count
   * (messages after the read position that are neither the user's own nor CHANGE entries: a range
   * scan of the unread part only), whether one of them mentions the user or everyone (an index
   * lookup), and the user's settings as read with the member row.
   */
  static ConversationState complete(
      Connection c,
      String app,
      String user,
      ConversationId conversation,
      long last,
      long read,
      long position,
      ConversationSettings settings)
      throws SQLException {
    String conv = conversation.toString();
    Optional<ChatMessage> lastMessage = Optional.empty();
    if (last > 0) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + MESSAGE_COLUMNS
                  + " FROM messages WHERE app = ? AND conversation = ? AND seq <= ?"
                  + " AND type <> "
                  + MessageType.CHANGE.wire()
                  + " ORDER BY seq DESC LIMIT 1")) {
        ps.setString(1, app);
        ps.setString(2, conv);
        ps.setLong(3, last);
        lastMessage = messages(app, ps).stream().findFirst();
      }
    }
    long unread = 0;
    boolean mentioned = false;
    if (last > read) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(*) FROM messages WHERE app = ? AND conversation = ? AND seq > ?"
                  + " AND type <> "
                  + MessageType.CHANGE.wire()
                  + " AND sender <> ?")) {
        ps.setString(1, app);
        ps.setString(2, conv);
        ps.setLong(3, read);
        ps.setString(4, user);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          unread = rs.getLong(1);
        }
      }
      if (unread > 0) {
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM message_mentions WHERE app = ? AND conversation = ?"
                    + " AND user_id IN (?, '"
                    + MENTION_ALL
                    + "') AND seq > ? AND sender <> ?)")) {
          ps.setString(1, app);
          ps.setString(2, conv);
          ps.setString(3, user);
          ps.setLong(4, read);
          ps.setString(5, user);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            mentioned = rs.getBoolean(1);
          }
        }
      }
    }
    return new ConversationState(
        conversation, last, read, lastMessage, position, unread, mentioned, settings);
  }

  @Override
  public Optional<ConversationState> state(String app, String user, ConversationId conversation) {
    return db.read(c -> stateOf(c, app, user, conversation));
  }

  private Optional<ConversationState> stateOf(
      Connection c, String app, String user, ConversationId conversation) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.last_seq, m.read_seq, greatest(c.change_pos, m.change_pos), "
                + SETTINGS_COLUMNS
                + " FROM members m JOIN conversations c"
                + " ON c.app = m.app AND c.id = m.conversation"
                + " WHERE m.app = ? AND m.conversation = ? AND m.user_id = ?")) {
      ps.setString(1, app);
      ps.setString(2, conversation.toString());
      ps.setString(3, user);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            complete(
                c,
                app,
                user,
                conversation,
                rs.getLong(1),
                rs.getLong(2),
                rs.getLong(3),
                settings(rs, 4)));
      }
    }
  }

  /** The state as the writer sees it; only call from a write running on the writer. */
  Optional<ConversationState> stateOnWriter(String app, String user, ConversationId conversation)
      throws SQLException {
    return stateOf(db.writeConnection(), app, user, conversation);
  }

  @Override
  public Optional<ConversationState> markRead(
      String app, String user, ConversationId conversation, long seq) {
    return db.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE members SET read_seq = greatest(read_seq, least(?, (SELECT last_seq FROM"
                      + " conversations c WHERE c.app = members.app AND c.id ="
                      + " members.conversation))), change_pos = ?"
                      + " WHERE app = ? AND conversation = ? AND user_id = ?");
          ps.setLong(1, seq);
          ps.setLong(2, db.nextChangePosition());
          ps.setString(3, app);
          ps.setString(4, conversation.toString());
          ps.setString(5, user);
          if (ps.executeUpdate() == 0) {
            return Optional.empty();
          }
          return stateOf(db.writeConnection(), app, user, conversation);
        });
  }

  static List<ChatMessage> messages(String app, PreparedStatement ps) throws SQLException {
    List<ChatMessage> list = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        list.add(message(app, rs));
      }
    }
    return list;
  }

  /** A message from a row of {@link #MESSAGE_COLUMNS}. */
  static ChatMessage message(String app, ResultSet rs) throws SQLException {
    MessageType type = MessageType.ofWire(rs.getInt(6));
    String text = rs.getString(7);
    String payload = rs.getString(8);
    long sentAt = rs.getLong(9);
    Optional<MessageChange> change = Optional.empty();
    if (type == MessageType.CHANGE) {
      long target = rs.getLong(17);
      MessageChange.Action action =
          switch (rs.getInt(18)) {
            case CHANGE_RECALL -> new MessageChange.Action.Recall();
            case CHANGE_EDIT -> new MessageChange.Action.Edit(text, payload, sentAt);
            case CHANGE_REACTION_ADDED ->
                new MessageChange.Action.Reaction(rs.getString(19), true, rs.getLong(20));
            case CHANGE_REACTION_REMOVED ->
                new MessageChange.Action.Reaction(rs.getString(19), false, rs.getLong(20));
            default -> throw new SQLException("unknown change kind " + rs.getInt(18));
          };
      change = Optional.of(new MessageChange(target, action));
      text = "";
      payload = "";
    }
    String mentions = rs.getString(11);
    MessageExtras extras =
        new MessageExtras(
            rs.getLong(10),
            mentions.isEmpty() ? List.of() : List.of(mentions.split(" ")),
            rs.getInt(12) != 0,
            rs.getString(13),
            change,
            rs.getInt(14) != 0,
            rs.getLong(15),
            reactions(rs.getString(16)),
            false);
    return new ChatMessage(
        app,
        ConversationId.parse(rs.getString(1)),
        rs.getLong(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        type,
        text,
        payload,
        sentAt,
        extras);
  }

  /** Parses the {@code reactions} column: "EMOJI COUNT EMOJI COUNT ...". */
  static List<ReactionCount> reactions(String column) {
    if (column.isEmpty()) {
      return List.of();
    }
    String[] parts = column.split(" ");
    List<ReactionCount> list = new ArrayList<>(parts.length / 2);
    for (int i = 0; i + 1 < parts.length; i += 2) {
      list.add(new ReactionCount(parts[i], Long.parseLong(parts[i + 1]), false));
    }
    return list;
  }

  /** The {@code reactions} column for {@code counts}; entries with a count of 0 are left out. */
  static String reactionsColumn(List<ReactionCount> counts) {
    StringBuilder b = new StringBuilder();
    for (ReactionCount r : counts) {
      if (r.count() > 0) {
        if (!b.isEmpty()) {
          b.append(' ');
        }
        b.append(r.emoji()).append(' ').append(r.count());
      }
    }
    return b.toString();
  }
}
