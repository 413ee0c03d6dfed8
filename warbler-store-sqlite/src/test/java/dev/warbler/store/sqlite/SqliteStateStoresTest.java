package dev.warbler.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.spi.UsageStore;
import dev.warbler.testkit.StateStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.LocalDate;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

class SqliteStateStoresTest extends StateStoreContract<SqliteStores> {

  @Override
  protected SqliteStores openStores(Path dir) {
    return new SqliteStores(SqliteConfig.defaults(dir.resolve("warbler.db")));
  }

  @Test
  void theMigrationCountsMessagesStoredBeforeMeteringExisted() throws Exception {
    Path db = dir.resolve("old.db");
    String url = "jdbc:sqlite:" + db;
    Flyway.configure()
        .dataSource(url, "", "")
        .locations("classpath:db/sqlite")
        .target("1")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      // 2026-11-02T10:00Z and 2026-11-03T10:00Z; "héllo" is 6 bytes in UTF-8.
      s.execute(
          "INSERT INTO messages VALUES ('shop', 'd:a:b', 1, 'm1', 'c1', 'a', 1, 'héllo', '',"
              + " 1793613600000)");
      s.execute(
          "INSERT INTO messages VALUES ('shop', 'd:a:b', 2, 'm2', 'c2', 'b', 3, '', '{\"k\":1}',"
              + " 1793613600000)");
      s.execute(
          "INSERT INTO messages VALUES ('shop', 's:a', 1, 'm3', 'c3', '', 4, 'x', '',"
              + " 1793700000000)");
    }

    try (SqliteStores store = new SqliteStores(SqliteConfig.defaults(db))) {
      UsageStore usage = store.usage();
      LocalDate day = LocalDate.parse("2026-11-02");
      assertThat(usage.days("shop", day, day.plusDays(1)))
          .containsExactly(
              new UsageStore.Day(day, 2, 2, 0), new UsageStore.Day(day.plusDays(1), 0, 1, 0));
      assertThat(usage.storedBytes("shop")).isEqualTo(6 + 7 + 1);
      assertThat(store.receipts().receipts("shop", ConversationId.direct("a", "b"), "", 5))
          .isEmpty();
    }
  }
}
