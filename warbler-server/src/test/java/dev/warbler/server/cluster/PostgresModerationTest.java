package dev.warbler.server.cluster;

import dev.warbler.server.Setting;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/** The moderation suite with the nodes' shared store on the PostgreSQL of this machine. */
class PostgresModerationTest extends ModerationTest {
  private final String schema = TestPostgres.newSchema("mod");

  @Override
  protected Map<Setting, String> storeSettings() {
    return TestPostgres.storeSettings(schema);
  }

  /** Stops the nodes, then drops the schema. */
  @AfterAll
  @Override
  void stop() {
    super.stop();
    TestPostgres.drop(schema);
  }
}
