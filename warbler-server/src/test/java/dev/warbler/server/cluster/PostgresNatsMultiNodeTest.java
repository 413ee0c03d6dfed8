package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.server.Setting;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The multi-node suite as a real cluster runs: three nodes in this process that share nothing in
 * it, each with its own PostgreSQL store bundle on one schema ({@link TestPostgres}) and its own
 * NATS connections ({@link NatsMultiNodeTest}), so seqs, sync positions, idempotency and the audit
 * chain are kept by PostgreSQL across three writers, and every event crosses NATS.
 */
class PostgresNatsMultiNodeTest extends NatsMultiNodeTest {
  private final String schema = TestPostgres.newSchema("mnn");

  @Override
  protected boolean independentNodes() {
    return true;
  }

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
