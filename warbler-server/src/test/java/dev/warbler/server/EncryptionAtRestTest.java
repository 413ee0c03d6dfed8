package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.crypto.MasterKeys;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encryption at rest (ADR 0011) over a real server and its real SQLite file: what the database
 * holds is read with JDBC next to the server, what users see is read through the REST API.
 */
class EncryptionAtRestTest {
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static TestServer node;
  static String masterKey = newKey();

  @BeforeAll
  static void start() {
    node = TestServer.start(dir, Map.of(Setting.SECURITY_MASTER_KEY, masterKey));
    createApp(node, "bank", true);
    createApp(node, "shop", false);
    for (String app : List.of("bank", "shop")) {
      node.createUser(app, "alice");
      node.createUser(app, "bob");
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String newKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  static void createApp(TestServer n, String id, boolean encrypt) {
    TestServer.Reply r = n.call("POST", "/v1/apps", Map.of("id", id, "encryptAtRest", encrypt));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.body().get("encryptAtRest").asBoolean()).isEqualTo(encrypt);
  }

  /** Sends from alice to bob; returns the seq. */
  static long send(TestServer n, String app, String text, Map<String, Object> payload) {
    Map<String, Object> body = new java.util.HashMap<>();
    body.put("from", "alice");
    body.put("to", "bob");
    body.put("text", text);
    body.put("clientMsgId", "c-" + ids.incrementAndGet());
    if (!payload.isEmpty()) {
      body.put("payload", payload);
    }
    TestServer.Reply r = n.call("POST", "/v1/apps/" + app + "/messages", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.body().get("seq").asLong();
  }

  static List<JsonNode> history(TestServer n, String app) {
    TestServer.Reply r =
        n.call("GET", "/v1/apps/" + app + "/conversations/d:alice:bob/messages?limit=500", null);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.body().get("messages").valueStream().toList();
  }

  static JsonNode message(TestServer n, String app, long seq) {
    return history(n, app).stream()
        .filter(m -> m.get("seq").asLong() == seq)
        .findFirst()
        .orElseThrow();
  }

  record Row(String text, String payload) {}

  static Connection db(Path data) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("warbler.db"));
    try (var s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 5000");
    }
    return c;
  }

  /** The stored text and payload of one message, straight from the database file. */
  static Row raw(Path data, String app, String conversation, long seq) throws SQLException {
    try (Connection c = db(data);
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT text, payload FROM messages WHERE app = ? AND conversation = ? AND seq = ?")) {
      ps.setString(1, app);
      ps.setString(2, conversation);
      ps.setLong(3, seq);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("row " + app + " " + conversation + " " + seq).isTrue();
        return new Row(rs.getString(1), rs.getString(2));
      }
    }
  }

  /** The data key version a sealed body names in its header. */
  static int keyVersion(String sealed) {
    assertThat(sealed).startsWith(AtRestEncryption.SEALED);
    byte[] blob = Base64.getDecoder().decode(sealed.substring(AtRestEncryption.SEALED.length()));
    return ByteBuffer.wrap(blob, 1, 4).getInt();
  }

  @Test
  void anEncryptingAppsBodiesAreNotInTheDatabaseButReadBackThroughTheApi() throws Exception {
    long seq = send(node, "bank", "balance 1234.56 EUR", Map.of("iban", "DE44-SECRET-IBAN"));

    Row row = raw(dir, "bank", "d:alice:bob", seq);
    assertThat(row.text()).startsWith(AtRestEncryption.SEALED).doesNotContain("1234.56");
    assertThat(row.payload()).startsWith(AtRestEncryption.SEALED).doesNotContain("SECRET");
    JsonNode m = message(node, "bank", seq);
    assertThat(m.get("text").asText()).isEqualTo("balance 1234.56 EUR");
    assertThat(m.get("payload").get("iban").asText()).isEqualTo("DE44-SECRET-IBAN");
    assertThat(m.has("undecryptable")).isFalse();
    // Metadata stays in clear.
    assertThat(m.get("from").asText()).isEqualTo("alice");

    // An edit: the new body is sealed both in the message and in its CHANGE entry.
    TestServer.Reply edit =
        node.call(
            "POST",
            "/v1/apps/bank/conversations/d:alice:bob/messages/" + seq + "/edit",
            Map.of("by", "alice", "text", "balance 99.00 EUR corrected"));
    assertThat(edit.status()).as(edit.toString()).isEqualTo(200);
    long changeSeq = edit.body().get("seq").asLong();
    assertThat(raw(dir, "bank", "d:alice:bob", seq).text()).doesNotContain("99.00");
    assertThat(raw(dir, "bank", "d:alice:bob", changeSeq).text())
        .startsWith(AtRestEncryption.SEALED)
        .doesNotContain("99.00");
    assertThat(message(node, "bank", seq).get("text").asText())
        .isEqualTo("balance 99.00 EUR corrected");
    assertThat(message(node, "bank", changeSeq).get("change").get("edit").get("text").asText())
        .isEqualTo("balance 99.00 EUR corrected");
    // The same edit again changes nothing and appends no second entry, sealed or not.
    TestServer.Reply again =
        node.call(
            "POST",
            "/v1/apps/bank/conversations/d:alice:bob/messages/" + seq + "/edit",
            Map.of("by", "alice", "text", "balance 99.00 EUR corrected"));
    assertThat(again.status()).as(again.toString()).isEqualTo(200);
    assertThat(again.body().get("duplicate").asBoolean()).isTrue();

    // The conversation list's last message (sync) is opened too.
    JsonNode conversations =
        node.call("GET", "/v1/apps/bank/users/bob/conversations", null).body().get("items");
    assertThat(conversations.get(0).get("lastMessage").get("text").asText())
        .isEqualTo("balance 99.00 EUR corrected");
  }

  @Test
  void anAppWithoutEncryptionStoresPlaintext() throws Exception {
    long seq = send(node, "shop", "order 77 shipped", Map.of("order", 77));
    Row row = raw(dir, "shop", "d:alice:bob", seq);
    assertThat(row.text()).isEqualTo("order 77 shipped");
    assertThat(row.payload()).contains("77");
    // A plain body that happens to start like a sealed one is stored escaped and reads back as is.
    String tricky = AtRestEncryption.SEALED + "not really sealed";
    long trickySeq = send(node, "shop", tricky, Map.of());
    assertThat(message(node, "shop", trickySeq).get("text").asText()).isEqualTo(tricky);
    assertThat(message(node, "shop", trickySeq).has("undecryptable")).isFalse();
  }

  @Test
  void afterARotationOldAndNewMessagesReadBack() throws Exception {
    node.call("POST", "/v1/apps", Map.of("id", "rot", "encryptAtRest", true));
    node.createUser("rot", "alice");
    node.createUser("rot", "bob");
    long before = send(node, "rot", "before rotation", Map.of());

    TestServer.Reply rotated = node.call("POST", "/v1/apps/rot/encryption/rotate", null);
    assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
    assertThat(rotated.body().get("keyVersion").asInt()).isEqualTo(2);
    long after = send(node, "rot", "after rotation", Map.of());

    assertThat(keyVersion(raw(dir, "rot", "d:alice:bob", before).text())).isEqualTo(1);
    assertThat(keyVersion(raw(dir, "rot", "d:alice:bob", after).text())).isEqualTo(2);
    assertThat(message(node, "rot", before).get("text").asText()).isEqualTo("before rotation");
    assertThat(message(node, "rot", after).get("text").asText()).isEqualTo("after rotation");
    JsonNode status = node.call("GET", "/v1/apps/rot/encryption", null).body();
    assertThat(status.get("keyVersions").toString()).isEqualTo("[1,2]");
  }

  @Test
  void aTamperedCiphertextMarksThatMessageUndecryptableAndTheRestOfThePageReads() throws Exception {
    node.call("POST", "/v1/apps", Map.of("id", "tamper", "encryptAtRest", true));
    node.createUser("tamper", "alice");
    node.createUser("tamper", "bob");
    long first = send(node, "tamper", "first", Map.of());
    long second = send(node, "tamper", "second", Map.of());
    long third = send(node, "tamper", "third", Map.of());

    String sealed = raw(dir, "tamper", "d:alice:bob", second).text();
    byte[] blob = Base64.getDecoder().decode(sealed.substring(AtRestEncryption.SEALED.length()));
    blob[blob.length - 20] ^= 0x01; // one ciphertext bit
    String altered =
        AtRestEncryption.SEALED + Base64.getEncoder().withoutPadding().encodeToString(blob);
    try (Connection c = db(dir);
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE messages SET text = ? WHERE app = 'tamper' AND conversation ="
                    + " 'd:alice:bob' AND seq = ?")) {
      ps.setString(1, altered);
      ps.setLong(2, second);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }

    List<JsonNode> page = history(node, "tamper");
    assertThat(page).hasSize(3);
    assertThat(message(node, "tamper", first).get("text").asText()).isEqualTo("first");
    assertThat(message(node, "tamper", third).get("text").asText()).isEqualTo("third");
    JsonNode bad = message(node, "tamper", second);
    assertThat(bad.get("undecryptable").asBoolean()).isTrue();
    assertThat(bad.get("text").asText()).isEmpty();
    assertThat(bad.get("from").asText()).isEqualTo("alice");
  }

  @Test
  void aCiphertextMovedToAnotherConversationDoesNotOpen() throws Exception {
    node.call("POST", "/v1/apps", Map.of("id", "moved", "encryptAtRest", true));
    for (String u : List.of("alice", "bob", "carol")) {
      node.createUser("moved", u);
    }
    long seq = send(node, "moved", "for bob only", Map.of());
    TestServer.Reply other =
        node.call(
            "POST",
            "/v1/apps/moved/messages",
            Map.of("from", "alice", "to", "carol", "text", "hello carol", "clientMsgId", "mv-1"));
    assertThat(other.status()).isEqualTo(201);
    String sealed = raw(dir, "moved", "d:alice:bob", seq).text();
    try (Connection c = db(dir);
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE messages SET text = ? WHERE app = 'moved' AND conversation ="
                    + " 'd:alice:carol' AND seq = 1")) {
      ps.setString(1, sealed);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    JsonNode m =
        node.call("GET", "/v1/apps/moved/conversations/d:alice:carol/messages", null)
            .body()
            .get("messages")
            .get(0);
    assertThat(m.get("undecryptable").asBoolean()).isTrue();
    assertThat(m.get("text").asText()).isEmpty();
  }

  @Test
  void turningEncryptionOnKeepsEarlierPlainMessagesReadable() throws Exception {
    createApp(node, "school", false);
    node.createUser("school", "alice");
    node.createUser("school", "bob");
    long plain = send(node, "school", "written in clear", Map.of());

    TestServer.Reply on = node.call("PUT", "/v1/apps/school/encryption", Map.of("enabled", true));
    assertThat(on.status()).as(on.toString()).isEqualTo(200);
    assertThat(on.body().get("enabled").asBoolean()).isTrue();
    assertThat(node.call("GET", "/v1/apps/school", null).body().get("encryptAtRest").asBoolean())
        .isTrue();
    long sealed = send(node, "school", "written sealed", Map.of());

    assertThat(raw(dir, "school", "d:alice:bob", plain).text()).isEqualTo("written in clear");
    assertThat(raw(dir, "school", "d:alice:bob", sealed).text())
        .startsWith(AtRestEncryption.SEALED);
    assertThat(history(node, "school"))
        .extracting(m -> m.get("text").asText())
        .containsExactly("written in clear", "written sealed");

    // Off again: new bodies plain, sealed ones still readable.
    node.call("PUT", "/v1/apps/school/encryption", Map.of("enabled", false));
    long plainAgain = send(node, "school", "clear again", Map.of());
    assertThat(raw(dir, "school", "d:alice:bob", plainAgain).text()).isEqualTo("clear again");
    assertThat(history(node, "school"))
        .extracting(m -> m.get("text").asText())
        .containsExactly("written in clear", "written sealed", "clear again");
  }

  @Test
  void onlyTheAdminKeyManagesEncryption() {
    String secret =
        node.call("POST", "/v1/apps", Map.of("id", "own")).body().get("secret").asText();
    for (String[] call :
        new String[][] {
          {"GET", "/v1/apps/own/encryption"},
          {"PUT", "/v1/apps/own/encryption"},
          {"POST", "/v1/apps/own/encryption/rotate"}
        }) {
      TestServer.Reply r = node.call(call[0], call[1], Map.of("enabled", true), secret);
      assertThat(r.status()).as(call[1] + " " + r).isEqualTo(403);
      assertThat(r.body().get("title").asText()).isEqualTo("FORBIDDEN");
    }
  }

  @Test
  void withoutAMasterKeyAppsCannotTurnEncryptionOnAndEverythingElseWorks(@TempDir Path other) {
    try (TestServer plain = TestServer.start(other)) {
      TestServer.Reply create =
          plain.call("POST", "/v1/apps", Map.of("id", "bank", "encryptAtRest", true));
      assertThat(create.status()).as(create.toString()).isEqualTo(409);
      assertThat(create.body().get("title").asText()).isEqualTo("ENCRYPTION_NOT_CONFIGURED");
      assertThat(create.body().get("detail").asText()).contains("security.master-key");
      createApp(plain, "shop", false);
      TestServer.Reply on = plain.call("PUT", "/v1/apps/shop/encryption", Map.of("enabled", true));
      assertThat(on.status()).isEqualTo(409);
      assertThat(plain.call("POST", "/v1/apps/shop/encryption/rotate", null).status())
          .isEqualTo(409);
      plain.createUser("shop", "alice");
      plain.createUser("shop", "bob");
      long seq = send(plain, "shop", "plain as today", Map.of());
      assertThat(message(plain, "shop", seq).get("text").asText()).isEqualTo("plain as today");
    }
  }

  @Test
  void aWrongOrMissingMasterKeyFailsTheStartAndARotationRewrapsEveryDataKey(@TempDir Path data)
      throws Exception {
    String k1 = newKey();
    List<Long> seqs = new ArrayList<>();
    try (TestServer n = TestServer.start(data, Map.of(Setting.SECURITY_MASTER_KEY, k1))) {
      createApp(n, "bank", true);
      n.createUser("bank", "alice");
      n.createUser("bank", "bob");
      seqs.add(send(n, "bank", "under k1 v1", Map.of()));
      n.call("POST", "/v1/apps/bank/encryption/rotate", null);
      seqs.add(send(n, "bank", "under k1 v2", Map.of()));
    }
    String k2 = newKey();
    assertThatThrownBy(() -> TestServer.start(data, Map.of(Setting.SECURITY_MASTER_KEY, k2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("app 'bank'")
        .hasMessageContaining("wrong master key");
    assertThatThrownBy(() -> TestServer.start(data))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no security.master-key");

    // Master-key rotation: k2 current, k1 previous; the start rewraps both data keys.
    try (TestServer n =
        TestServer.start(
            data,
            Map.of(Setting.SECURITY_MASTER_KEY, k2, Setting.SECURITY_PREVIOUS_MASTER_KEYS, k1))) {
      assertThat(history(n, "bank"))
          .extracting(m -> m.get("text").asText())
          .containsExactly("under k1 v1", "under k1 v2");
    }
    try (Connection c = db(data);
        ResultSet rs =
            c.createStatement().executeQuery("SELECT DISTINCT master_key_id FROM app_data_keys")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(MasterKeys.id(Base64.getDecoder().decode(k2)));
      assertThat(rs.next()).isFalse();
    }
    // k1 is no longer needed.
    Path keyFile = data.resolve("master.key");
    Files.writeString(keyFile, k2 + "\n");
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() ->
            TestServer.start(data, Map.of(Setting.SECURITY_MASTER_KEY_FILE, keyFile.toString())))
        .hasMessageContaining("chmod 600");
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    try (TestServer n =
        TestServer.start(data, Map.of(Setting.SECURITY_MASTER_KEY_FILE, keyFile.toString()))) {
      assertThat(history(n, "bank"))
          .extracting(m -> m.get("text").asText())
          .containsExactly("under k1 v1", "under k1 v2");
      long seq = send(n, "bank", "under k2 v3", Map.of());
      assertThat(message(n, "bank", seq).get("text").asText()).isEqualTo("under k2 v3");
    }
  }

  @Test
  void aMasterKeyOfTheWrongLengthIsRefused(@TempDir Path data) {
    assertThatThrownBy(() ->
            TestServer.start(
                data,
                Map.of(
                    Setting.SECURITY_MASTER_KEY, Base64.getEncoder().encodeToString(new byte[16]))))
        .hasMessageContaining("32 random bytes");
  }
}
