package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.server.Setting;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The same multi-node suite with the nodes' shared store bundle on the PostgreSQL of this machine
 * ({@code store.kind=postgres}, see {@link TestPostgres}): every send, group, contact and audit
 * change of the suite goes through real servers into PostgreSQL.
 */
class PostgresMultiNodeTest extends MultiNodeTest {
  private final String schema = TestPostgres.newSchema("mn");

  @Override
  protected Map<Setting, String> storeSettings() {
    return TestPostgres.storeSettings(schema);
  }

  @Test
  void theNodesStoreInThePostgresSchema() {
    assertThat(TestPostgres.rows(schema, "apps")).isPositive();
  }

  /** Stops the nodes, then drops the schema (a subclass's own @AfterAll would run first). */
  @AfterAll
  @Override
  void stop() {
    super.stop();
    TestPostgres.drop(schema);
  }
}
