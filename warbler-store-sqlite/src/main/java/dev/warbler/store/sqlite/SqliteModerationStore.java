package dev.warbler.store.sqlite;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.moderation.ModerationSettings;
import dev.warbler.core.moderation.ReviewItem;
import dev.warbler.core.moderation.ReviewStatus;
import dev.warbler.core.moderation.SensitiveWord;
import dev.warbler.core.moderation.WordAction;
import dev.warbler.core.spi.ModerationStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Word lists, filter settings and review items in the embedded database. */
final class SqliteModerationStore implements ModerationStore {
  private static final String BUMP =
      "INSERT INTO moderation_lists (app, version, enabled, default_action) VALUES (?, 1, 1,"
          + " 'mask') ON CONFLICT (app) DO UPDATE SET version = moderation_lists.version + 1"
          + " RETURNING version";
  private static final String UPSERT_WORD =
      "INSERT INTO moderation_words (app, word, action, category, added_at) VALUES (?, ?, ?, ?, ?)"
          + " ON CONFLICT (app, word) DO UPDATE SET action = excluded.action,"
          + " category = excluded.category, added_at = excluded.added_at";
  private static final String REVIEW_COLUMNS =
      "app, id, conversation, seq, sender, categories, status, created_at, decided_at, decided_by";

  private final SqliteDatabase base;

  SqliteModerationStore(SqliteDatabase base) {
    this.base = base;
  }

  @Override
  public Map<String, Long> versions() {
    return base.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT app, version FROM moderation_lists");
          ResultSet rs = ps.executeQuery()) {
        Map<String, Long> out = new LinkedHashMap<>();
        while (rs.next()) {
          out.put(rs.getString(1), rs.getLong(2));
        }
        return out;
      }
    });
  }

  @Override
  public ModerationSettings settings(String app) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT enabled, default_action FROM moderation_lists WHERE app = ?")) {
        ps.setString(1, app);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? new ModerationSettings(rs.getInt(1) != 0, action(rs.getString(2)))
              : ModerationSettings.DEFAULTS;
        }
      }
    });
  }

  @Override
  public long putSettings(String app, ModerationSettings settings) {
    return base.writer()
        .call(w -> {
          long version = bump(w, app);
          PreparedStatement ps =
              w.statement(
                  "UPDATE moderation_lists SET enabled = ?, default_action = ? WHERE app = ?");
          ps.setInt(1, settings.enabled() ? 1 : 0);
          ps.setString(2, settings.defaultAction().wireName());
          ps.setString(3, app);
          ps.executeUpdate();
          return version;
        });
  }

  @Override
  public Change addWords(String app, List<SensitiveWord> words, int maxTotal) {
    return base.writer()
        .call(w -> {
          int total = count(w, app);
          PreparedStatement exists =
              w.statement("SELECT 1 FROM moderation_words WHERE app = ? AND word = ?");
          int added = 0;
          for (SensitiveWord word : words) {
            exists.setString(1, app);
            exists.setString(2, word.word());
            try (ResultSet rs = exists.executeQuery()) {
              if (!rs.next()) {
                added++;
              }
            }
          }
          if (total + added > maxTotal) {
            return new Change(-1, 0, total + added);
          }
          long version = bump(w, app);
          PreparedStatement ps = w.statement(UPSERT_WORD);
          for (SensitiveWord word : words) {
            bindWord(ps, app, word);
            ps.executeUpdate();
          }
          return new Change(words.size(), version, total + added);
        });
  }

  @Override
  public Change deleteWords(String app, List<String> words) {
    return base.writer()
        .call(w -> {
          long version = bump(w, app);
          PreparedStatement ps =
              w.statement("DELETE FROM moderation_words WHERE app = ? AND word = ?");
          int deleted = 0;
          for (String word : words) {
            ps.setString(1, app);
            ps.setString(2, word);
            deleted += ps.executeUpdate();
          }
          return new Change(deleted, version, count(w, app));
        });
  }

  @Override
  public Change replaceWords(String app, List<SensitiveWord> words) {
    return base.writer()
        .call(w -> {
          long version = bump(w, app);
          PreparedStatement delete = w.statement("DELETE FROM moderation_words WHERE app = ?");
          delete.setString(1, app);
          delete.executeUpdate();
          PreparedStatement ps = w.statement(UPSERT_WORD);
          for (SensitiveWord word : words) {
            bindWord(ps, app, word);
            ps.executeUpdate();
          }
          return new Change(words.size(), version, count(w, app));
        });
  }

  @Override
  public List<SensitiveWord> words(
      String app, String after, String prefix, String category, int limit) {
    return base.read(c ->
        wordQuery(
            c,
            "SELECT word, action, category, added_at FROM moderation_words WHERE app = ?"
                + " AND word > ? AND word LIKE ?"
                + (category.isEmpty() ? "" : " AND category = ?")
                + " ORDER BY word LIMIT ?",
            ps -> {
              ps.setString(1, app);
              ps.setString(2, after);
              ps.setString(3, prefix + "%");
              int i = 4;
              if (!category.isEmpty()) {
                ps.setString(i++, category);
              }
              ps.setInt(i, limit);
            }));
  }

  @Override
  public List<SensitiveWord> allWords(String app) {
    return base.read(c ->
        wordQuery(
            c,
            "SELECT word, action, category, added_at FROM moderation_words WHERE app = ?"
                + " ORDER BY word",
            ps -> ps.setString(1, app)));
  }

  @Override
  public void addReview(ReviewItem item) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO moderation_reviews ("
                      + REVIEW_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app, id) DO NOTHING");
          ps.setString(1, item.app());
          ps.setString(2, item.id());
          ps.setString(3, item.conversation().toString());
          ps.setLong(4, item.seq());
          ps.setString(5, item.sender());
          ps.setString(6, String.join("\n", item.categories()));
          ps.setString(7, item.status().wireName());
          ps.setLong(8, item.createdAt());
          ps.setLong(9, item.decidedAt());
          ps.setString(10, item.decidedBy());
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public List<ReviewItem> reviews(String app, ReviewStatus status, String after, int limit) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + REVIEW_COLUMNS
                  + " FROM moderation_reviews WHERE app = ? AND status = ? AND id > ?"
                  + " ORDER BY id LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, status.wireName());
        ps.setString(3, after);
        ps.setInt(4, limit);
        return reviewRows(ps);
      }
    });
  }

  @Override
  public Optional<ReviewItem> review(String app, String id) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT " + REVIEW_COLUMNS + " FROM moderation_reviews WHERE app = ? AND id = ?")) {
        ps.setString(1, app);
        ps.setString(2, id);
        return reviewRows(ps).stream().findFirst();
      }
    });
  }

  @Override
  public boolean decide(
      String app, String id, ReviewStatus status, long decidedAt, String decidedBy) {
    return base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE moderation_reviews SET status = ?, decided_at = ?, decided_by = ?"
                      + " WHERE app = ? AND id = ? AND status = 'pending'");
          ps.setString(1, status.wireName());
          ps.setLong(2, decidedAt);
          ps.setString(3, decidedBy);
          ps.setString(4, app);
          ps.setString(5, id);
          return ps.executeUpdate() == 1;
        });
  }

  private static long bump(SqliteWriter w, String app) throws SQLException {
    PreparedStatement ps = w.statement(BUMP);
    ps.setString(1, app);
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static int count(SqliteWriter w, String app) throws SQLException {
    PreparedStatement ps = w.statement("SELECT count(*) FROM moderation_words WHERE app = ?");
    ps.setString(1, app);
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void bindWord(PreparedStatement ps, String app, SensitiveWord word)
      throws SQLException {
    ps.setString(1, app);
    ps.setString(2, word.word());
    ps.setString(3, word.action().wireName());
    ps.setString(4, word.category());
    ps.setLong(5, word.addedAt());
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private static List<SensitiveWord> wordQuery(Connection c, String sql, Binder binder)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      List<SensitiveWord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new SensitiveWord(
                  rs.getString(1), action(rs.getString(2)), rs.getString(3), rs.getLong(4)));
        }
      }
      return out;
    }
  }

  private static List<ReviewItem> reviewRows(PreparedStatement ps) throws SQLException {
    List<ReviewItem> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String categories = rs.getString(6);
        out.add(
            new ReviewItem(
                rs.getString(1),
                rs.getString(2),
                ConversationId.parse(rs.getString(3)),
                rs.getLong(4),
                rs.getString(5),
                categories.isEmpty() ? List.of() : Arrays.asList(categories.split("\n")),
                ReviewStatus.parse(rs.getString(7)).orElseThrow(),
                rs.getLong(8),
                rs.getLong(9),
                rs.getString(10)));
      }
    }
    return out;
  }

  private static WordAction action(String name) {
    return WordAction.parse(name).orElseThrow();
  }
}
