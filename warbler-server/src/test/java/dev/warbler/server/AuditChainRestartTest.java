package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit chain across restarts: a log written by an older, unkeyed version is verified and keyed
 * from the first start on; an entry edited while the server was down, or a key that is not the one
 * that wrote the chain, shows as {@code warbler_audit_chain_intact 0} (and an ERROR line); the head
 * is exported as {@code warbler_audit_head_seq}.
 */
class AuditChainRestartTest {
  @TempDir Path dir;

  private TestServer start(Map<Setting, String> extra) {
    return TestServer.start(dir, extra);
  }

  private static String scrape(TestServer node) throws Exception {
    var response =
        node.http.send(
            java.net.http.HttpRequest.newBuilder(node.http("/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    return TestServer.untagged(response.body());
  }

  private Connection db() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("warbler.db"));
  }

  private void someAdminWork(TestServer node) {
    node.call("POST", "/v1/apps", Map.of("id", "shop"));
    node.createUser("shop", "alice");
    node.call("PUT", "/v1/apps/shop/users/alice/ban", Map.of("reason", "spam"));
    node.call("DELETE", "/v1/apps/shop/users/alice/ban", null);
  }

  @Test
  void aLogOfAnOlderUnkeyedVersionIsVerifiedAndKeyedFromTheFirstStart() throws Exception {
    long entries;
    try (TestServer node = start(Map.of())) {
      someAdminWork(node);
    }
    try (Connection c = db();
        Statement s = c.createStatement()) {
      AuditLogTest.recomputeWithoutKey(c, 1, 0); // as the version before the key wrote them
      try (var rs = s.executeQuery("SELECT max(seq) FROM audit_log")) {
        entries = rs.getLong(1);
      }
    }
    try (TestServer node = start(Map.of())) {
      String metrics = scrape(node);
      assertThat(metrics).contains("warbler_audit_chain_intact 1.0");
      assertThat(metrics).contains("warbler_audit_head_seq " + (entries + 1) + ".0");
      TestServer.Reply r = node.call("GET", "/v1/audit?limit=1000", null);
      List<JsonNode> items =
          StreamSupport.stream(r.body().get("items").spliterator(), false).toList();
      JsonNode keyedFrom = items.get((int) entries);
      assertThat(keyedFrom.get("action").asText()).isEqualTo("audit.chain.keyed");
      assertThat(keyedFrom.get("detail").asText()).startsWith("legacyUntil=" + entries + " key=");
      assertThat(keyedFrom.get("keyed").asBoolean()).isTrue();
      assertThat(items.get(0).get("keyed").asBoolean()).isFalse();
    }
    // Keyed once: the next start adds nothing.
    try (TestServer node = start(Map.of())) {
      assertThat(scrape(node)).contains("warbler_audit_head_seq " + (entries + 1) + ".0");
    }
  }

  @Test
  void anEntryEditedWhileTheServerWasDownShowsAtTheNextStart() throws Exception {
    try (TestServer node = start(Map.of())) {
      someAdminWork(node);
      assertThat(scrape(node)).contains("warbler_audit_chain_intact 1.0");
    }
    try (Connection c = db();
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE audit_log SET target = 'nobody' WHERE seq = 2");
    }
    try (TestServer node = start(Map.of())) {
      assertThat(scrape(node)).contains("warbler_audit_chain_intact 0.0");
      // The node still serves: a broken trail is for the operator to act on, not an outage.
      assertThat(node.call("GET", "/readyz", null, "").status()).isEqualTo(200);
    }
  }

  @Test
  void aKeyOtherThanTheOneThatWroteTheChainDoesNotVerifyIt() throws Exception {
    try (TestServer node = start(Map.of())) {
      someAdminWork(node);
    }
    Path other = Files.createTempFile(dir, "other", ".key");
    Files.writeString(other, Base64.getEncoder().encodeToString(new byte[32]));
    Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-------"));
    try (TestServer node = start(Map.of(Setting.AUDIT_KEY_FILE, other.toString()))) {
      assertThat(scrape(node)).contains("warbler_audit_chain_intact 0.0");
    }
  }

  @Test
  void anAuditKeyFileOthersCanReadOrATooShortOneRefusesTheStart() throws Exception {
    Path open = dir.resolve("open.key");
    Files.writeString(open, Base64.getEncoder().encodeToString(new byte[32]));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> start(Map.of(Setting.AUDIT_KEY_FILE, open.toString())))
        .hasMessageContaining("audit.key-file")
        .hasMessageContaining("chmod 600");
    Path shortKey = dir.resolve("short.key");
    Files.writeString(shortKey, Base64.getEncoder().encodeToString(new byte[8]));
    Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> start(Map.of(Setting.AUDIT_KEY_FILE, shortKey.toString())))
        .hasMessageContaining("at least 32");
  }
}
