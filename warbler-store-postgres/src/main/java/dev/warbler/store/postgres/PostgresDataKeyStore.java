package dev.warbler.store.postgres;

import dev.warbler.core.spi.DataKeyStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Encryption-at-rest flags and wrapped data keys in the PostgreSQL database (ADR 0011). */
final class PostgresDataKeyStore implements DataKeyStore {
  private final PostgresDatabase base;

  PostgresDataKeyStore(PostgresDatabase base) {
    this.base = base;
  }

  @Override
  public boolean enabled(String app) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT enabled FROM app_encryption WHERE app = ?")) {
        ps.setString(1, app);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() && rs.getInt(1) != 0;
        }
      }
    });
  }

  @Override
  public void setEnabled(String app, boolean enabled, long at) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO app_encryption (app, enabled, updated_at) VALUES (?, ?, ?)"
                      + " ON CONFLICT (app) DO UPDATE SET enabled = excluded.enabled,"
                      + " updated_at = excluded.updated_at");
          ps.setString(1, app);
          ps.setInt(2, enabled ? 1 : 0);
          ps.setLong(3, at);
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public List<DataKey> keys(String app) {
    return list(app);
  }

  @Override
  public List<DataKey> allKeys() {
    return list(null);
  }

  private List<DataKey> list(@Nullable String app) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT app, version, wrapped, master_key_id, created_at FROM app_data_keys"
                  + (app == null ? "" : " WHERE app = ?")
                  + " ORDER BY app, version")) {
        if (app != null) {
          ps.setString(1, app);
        }
        List<DataKey> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(
                new DataKey(
                    rs.getString(1), rs.getInt(2), rs.getBytes(3), rs.getString(4), rs.getLong(5)));
          }
        }
        return out;
      }
    });
  }

  @Override
  public boolean addKey(DataKey key) {
    return base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO app_data_keys (app, version, wrapped, master_key_id, created_at)"
                      + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
          ps.setString(1, key.app());
          ps.setInt(2, key.version());
          ps.setBytes(3, key.wrapped());
          ps.setString(4, key.masterKeyId());
          ps.setLong(5, key.createdAt());
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public void rewrap(DataKey key) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE app_data_keys SET wrapped = ?, master_key_id = ?"
                      + " WHERE app = ? AND version = ?");
          ps.setBytes(1, key.wrapped());
          ps.setString(2, key.masterKeyId());
          ps.setString(3, key.app());
          ps.setInt(4, key.version());
          ps.executeUpdate();
          return null;
        });
  }
}
