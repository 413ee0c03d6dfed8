package dev.warbler.store.postgres;

import dev.warbler.core.messaging.Template;
import dev.warbler.core.spi.TemplateStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Notification templates in the PostgreSQL database, written through the shared writer. */
final class PostgresTemplateStore implements TemplateStore {
  private final PostgresDatabase base;

  PostgresTemplateStore(PostgresDatabase base) {
    this.base = base;
  }

  @Override
  public void put(String app, Template t) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO templates (app, id, text, updated_at) VALUES (?, ?, ?, ?)"
                      + " ON CONFLICT (app, id) DO UPDATE SET text = excluded.text,"
                      + " updated_at = excluded.updated_at");
          ps.setString(1, app);
          ps.setString(2, t.id());
          ps.setString(3, t.text());
          ps.setLong(4, t.updatedAt());
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public Optional<Template> template(String app, String id) {
    return list(app, id).stream().findFirst();
  }

  @Override
  public List<Template> templates(String app) {
    return list(app, null);
  }

  private List<Template> list(String app, @org.jspecify.annotations.Nullable String id) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT id, text, updated_at FROM templates WHERE app = ?"
                  + (id == null ? "" : " AND id = ?")
                  + " ORDER BY id")) {
        ps.setString(1, app);
        if (id != null) {
          ps.setString(2, id);
        }
        List<Template> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new Template(rs.getString(1), rs.getString(2), rs.getLong(3)));
          }
        }
        return out;
      }
    });
  }
}
