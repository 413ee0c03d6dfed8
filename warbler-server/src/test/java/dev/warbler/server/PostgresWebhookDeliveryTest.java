package dev.warbler.server;

import dev.warbler.server.cluster.TestPostgres;
import java.util.Map;

/** {@link WebhookEndToEnd} on PostgreSQL, in a schema of its own dropped afterwards. */
class PostgresWebhookDeliveryTest extends WebhookEndToEnd {
  private final String schema = TestPostgres.newSchema("wh");

  @Override
  Map<Setting, String> storeSettings() {
    return TestPostgres.storeSettings(schema);
  }

  /** Stops the node, then drops the schema (a subclass's own @AfterAll would run first). */
  @Override
  void stop() {
    super.stop();
    TestPostgres.drop(schema);
  }
}
