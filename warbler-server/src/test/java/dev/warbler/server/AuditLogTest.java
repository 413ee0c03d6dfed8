package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The audit log over a real server: each category of event is recorded with its actor, address,
 * app, target and outcome; failures are coalesced; the REST list filters and pages; the JSON-lines
 * export feeds {@code warbler audit verify}, which passes on the real chain and reports the first
 * broken entry after a row is edited, deleted or two rows are swapped by direct SQL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditLogTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir static Path dir;
  static TestServer node;
  static String shopSecret;

  @BeforeAll
  static void start() {
    // The flood of bad keys below is about the audit log, not the authentication throttle.
    node =
        TestServer.start(
            dir,
            Map.of(
                Setting.AUDIT_COALESCE_WINDOW_SECONDS, "1",
                Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "0"));
    shopSecret = node.call("POST", "/v1/apps", Map.of("id", "shop")).body().get("secret").asText();
    node.createUser("shop", "alice");
    node.createUser("shop", "bob");
    node.createUser("shop", "mallory");
    node.call(
        "POST",
        "/v1/apps/shop/groups",
        Map.of("id", "team", "owner", "alice", "members", List.of("bob")),
        shopSecret);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static List<JsonNode> events(String query) {
    return events(query, TestServer.ADMIN_KEY);
  }

  private static List<JsonNode> events(String query, String key) {
    TestServer.Reply r = node.call("GET", "/v1/audit?limit=1000&" + query, null, key);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return StreamSupport.stream(r.body().get("items").spliterator(), false).toList();
  }

  private static JsonNode only(String query) {
    List<JsonNode> found = new ArrayList<>();
    await()
        .atMost(WAIT)
        .until(() -> {
          found.clear();
          found.addAll(events(query));
          return !found.isEmpty();
        });
    assertThat(found).as(query).hasSize(1);
    return found.getFirst();
  }

  private static void assertEvent(
      JsonNode e, String app, String actor, String action, String target, String outcome) {
    assertThat(e.get("app").asText()).isEqualTo(app);
    assertThat(e.get("actor").asText()).isEqualTo(actor);
    assertThat(e.get("action").asText()).isEqualTo(action);
    assertThat(e.get("target").asText()).isEqualTo(target);
    assertThat(e.get("outcome").asText()).isEqualTo(outcome);
    assertThat(e.get("ip").asText()).isEqualTo("127.0.0.1");
    assertThat(e.get("time").asLong()).isPositive();
    assertThat(e.get("hash").asText()).hasSize(64);
    assertThat(e.get("keyed").asBoolean()).isTrue();
  }

  @Test
  @Order(1)
  void adminOperationsAreRecorded() {
    String token = node.token("shop", "alice");
    node.call("PUT", "/v1/apps/shop/users/mallory/ban", Map.of("reason", "spam"), shopSecret);
    node.call("DELETE", "/v1/apps/shop/users/mallory/ban", null, shopSecret);
    node.call("POST", "/v1/apps/shop/users/bob/tokens/revoke", null);
    node.call("POST", "/v1/apps/shop/tokens/revoke", Map.of("token", token), shopSecret);
    node.call("PUT", "/v1/apps/shop/groups/team/bans/mallory", null, shopSecret);
    node.call("DELETE", "/v1/apps/shop/groups/team/bans/mallory", null, shopSecret);
    node.call("GET", "/v1/apps/shop/conversations/g:team/messages", null, shopSecret);
    node.createUser("shop", "leaver");
    node.call("DELETE", "/v1/apps/shop/users/leaver", null, shopSecret);

    assertEvent(only("action=app.create&app=shop"), "shop", "admin", "app.create", "shop", "ok");
    JsonNode issued = only("action=token.issue&actor=admin&app=shop");
    assertEvent(issued, "shop", "admin", "token.issue", "alice", "ok");
    assertThat(issued.get("detail").asText()).startsWith("jti=");
    JsonNode ban = only("action=user.ban");
    assertEvent(ban, "shop", "app:shop", "user.ban", "mallory", "ok");
    assertThat(ban.get("detail").asText()).isEqualTo("spam");
    assertEvent(only("action=user.unban"), "shop", "app:shop", "user.unban", "mallory", "ok");
    assertEvent(
        only("action=user.tokens.revoke"), "shop", "admin", "user.tokens.revoke", "bob", "ok");
    assertEvent(only("action=token.revoke"), "shop", "app:shop", "token.revoke", "alice", "ok");
    assertEvent(only("action=group.ban"), "shop", "app:shop", "group.ban", "team/mallory", "ok");
    assertEvent(
        only("action=group.unban"), "shop", "app:shop", "group.unban", "team/mallory", "ok");
    assertEvent(only("action=history.read"), "shop", "app:shop", "history.read", "g:team", "ok");
    assertEvent(only("action=user.delete"), "shop", "app:shop", "user.delete", "leaver", "ok");
  }

  @Test
  @Order(2)
  void failedLoginsAndDenialsAreRecorded() {
    // REST: an unknown key, another app's secret, an app secret on an admin operation.
    node.call("GET", "/v1/apps/shop/users/alice", null, "not-a-key");
    node.call("POST", "/v1/apps", Map.of("id", "nope"), shopSecret);
    JsonNode bad = only("action=api.auth.failed&app=shop");
    assertEvent(
        bad, "shop", "anonymous", "api.auth.failed", "GET /v1/apps/shop/users/alice", "denied");
    assertThat(bad.get("error").asText()).isEqualTo("UNAUTHENTICATED");
    JsonNode denied = only("action=access.denied&actor=app:shop");
    assertEvent(denied, "", "app:shop", "access.denied", "POST /v1/apps", "denied");
    assertThat(denied.get("error").asText()).isEqualTo("FORBIDDEN");

    // Gateway: a forged token, then a user sending to a group it is not a member of.
    RawClient forged = RawClient.connect(node.ws(), Encoding.JSON);
    forged.request(
        ClientFrame.newBuilder()
            .setId("a")
            .setAuth(Auth.newBuilder().setToken(node.token("shop", "mallory") + "x"))
            .build());
    forged.awaitClose(WAIT);
    JsonNode failed = only("action=auth.failed");
    assertEvent(failed, "shop", "anonymous", "auth.failed", "", "denied");
    assertThat(failed.get("error").asText()).isEqualTo("TOKEN_INVALID");

    try (RawClient m = RawClient.connect(node.ws(), Encoding.JSON)) {
      m.request(
          ClientFrame.newBuilder()
              .setId("a")
              .setAuth(Auth.newBuilder().setToken(node.token("shop", "mallory")))
              .build());
      ServerFrame refused =
          m.request(
              ClientFrame.newBuilder()
                  .setId("s")
                  .setSend(Send.newBuilder().setClientMsgId("c1").setGroup("team").setText("hi"))
                  .build());
      assertThat(refused.getError().getName()).isEqualTo("NOT_MEMBER");
    }
    JsonNode notMember = only("action=access.denied&actor=user:mallory");
    assertEvent(notMember, "shop", "user:mallory", "access.denied", "", "denied");
    assertThat(notMember.get("error").asText()).isEqualTo("NOT_MEMBER");
  }

  @Test
  @Order(3)
  void aFloodOfFailuresIsCoalescedWithItsCount() {
    for (int i = 0; i < 200; i++) {
      node.call("GET", "/v1/apps/shop/users/bob", null, "flood-key");
    }
    String q = "action=api.auth.failed&app=shop";
    await()
        .atMost(WAIT)
        .until(() ->
            events(q).stream()
                    .filter(e -> e.get("target").asText().equals("GET /v1/apps/shop/users/bob"))
                    .mapToLong(e -> e.get("count").asLong())
                    .sum()
                == 200);
    List<JsonNode> flood =
        events(q).stream()
            .filter(e -> e.get("target").asText().equals("GET /v1/apps/shop/users/bob"))
            .toList();
    // One entry when the flood starts, one per window with the count of the rest.
    assertThat(flood.size()).isBetween(2, 12);
  }

  @Test
  @Order(4)
  void anAppSecretSeesOnlyItsAppAndTheListPages() {
    node.call("POST", "/v1/apps", Map.of("id", "school"));
    List<JsonNode> own = events("", shopSecret);
    assertThat(own)
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.get("app").asText()).isEqualTo("shop"));
    assertThat(node.call("GET", "/v1/audit?app=school", null, shopSecret).status()).isEqualTo(403);
    assertThat(node.call("GET", "/v1/audit", null, "nope").status()).isEqualTo(401);
    assertThat(events("app=school")).isNotEmpty();

    List<JsonNode> before = events("");
    List<Long> paged = new ArrayList<>();
    String cursor = "";
    do {
      TestServer.Reply page =
          node.call(
              "GET", "/v1/audit?limit=3" + (cursor.isEmpty() ? "" : "&cursor=" + cursor), null);
      page.body().get("items").forEach(e -> paged.add(e.get("seq").asLong()));
      JsonNode next = page.body().get("nextCursor");
      cursor = next == null || next.isNull() ? "" : next.asText();
    } while (!cursor.isEmpty());
    // Coalesced failures of the flood above may still be flushed meanwhile: the pages hold at
    // least what was there before, and exactly the log as it is after, up to their end.
    List<JsonNode> all = events("");
    assertThat(paged.size()).isGreaterThanOrEqualTo(before.size());
    assertThat(paged)
        .containsExactlyElementsOf(
            all.subList(0, paged.size()).stream().map(e -> e.get("seq").asLong()).toList());

    long since = all.get(2).get("time").asLong();
    assertThat(events("since=" + since))
        .allSatisfy(e -> assertThat(e.get("time").asLong()).isGreaterThanOrEqualTo(since));
    assertThat(events("until=" + since))
        .allSatisfy(e -> assertThat(e.get("time").asLong()).isLessThan(since));
  }

  @Test
  @Order(5)
  void theExportIsJsonLinesOfTheWholeChain() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(node.http("/v1/audit?format=jsonl"))
                    .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/x-ndjson");
    List<String> lines = r.body().lines().toList();
    assertThat(lines).hasSizeGreaterThan(10);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(TestServer.JSON.readTree(lines.get(i)).get("seq").asLong()).isEqualTo(i + 1);
    }
  }

  private static int verify(StringWriter out) {
    AuditCommand.Verify verify = new AuditCommand.Verify();
    verify.env =
        Map.of("WARBLER_ADMIN_KEY", TestServer.ADMIN_KEY, "WARBLER_DATA_DIR", dir.toString());
    CommandLine cli = new CommandLine(verify);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(out));
    return cli.execute("--server", "http://127.0.0.1:" + node.server.httpPort());
  }

  private static Connection db() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("warbler.db"));
  }

  private static final String FIELDS =
      "time, app, actor, ip, action, target, outcome, error, count, detail, prev_hash, hash";

  @Test
  @Order(6)
  void theCliVerifiesTheChainAndFindsEveryKindOfTampering() throws Exception {
    StringWriter out = new StringWriter();
    assertThat(verify(out)).as("%s", out).isZero();
    assertThat(out.toString()).startsWith("ok: ");

    try (Connection c = db();
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=5000");
      // 1. An edited field.
      String detail;
      try (ResultSet rs = s.executeQuery("SELECT detail FROM audit_log WHERE seq = 3")) {
        detail = rs.getString(1);
      }
      s.executeUpdate("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3");
      out = new StringWriter();
      assertThat(verify(out)).isEqualTo(1);
      assertThat(out.toString()).startsWith("BROKEN at entry 3:").contains("edited");
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE audit_log SET detail = ? WHERE seq = 3")) {
        ps.setString(1, detail);
        ps.executeUpdate();
      }
      assertThat(verify(new StringWriter())).isZero();

      // 2. A deleted row.
      s.executeUpdate("CREATE TABLE saved AS SELECT * FROM audit_log WHERE seq = 5");
      s.executeUpdate("DELETE FROM audit_log WHERE seq = 5");
      out = new StringWriter();
      assertThat(verify(out)).isEqualTo(1);
      assertThat(out.toString()).startsWith("BROKEN at entry 5:");
      s.executeUpdate("INSERT INTO audit_log SELECT * FROM saved");
      s.executeUpdate("DROP TABLE saved");
      assertThat(verify(new StringWriter())).isZero();

      // 3. Two rows swapped (each keeps its seq, takes the other's content and hashes).
      s.executeUpdate("CREATE TABLE saved AS SELECT * FROM audit_log WHERE seq IN (6, 7)");
      String set =
          "UPDATE audit_log SET (" + FIELDS + ") = (SELECT " + FIELDS + " FROM saved WHERE seq = ";
      s.executeUpdate(set + "7) WHERE seq = 6");
      s.executeUpdate(set + "6) WHERE seq = 7");
      out = new StringWriter();
      assertThat(verify(out)).isEqualTo(1);
      assertThat(out.toString()).startsWith("BROKEN at entry 6:");
      s.executeUpdate(set + "6) WHERE seq = 6");
      s.executeUpdate(set + "7) WHERE seq = 7");
      s.executeUpdate("DROP TABLE saved");
    }
    out = new StringWriter();
    assertThat(verify(out)).as("%s", out).isZero();
  }

  @Test
  @Order(7)
  void aTruncatedTailIsFoundAgainstARecordedHead() throws Exception {
    StringWriter out = new StringWriter();
    assertThat(verify(out)).isZero();
    String head = out.toString().strip().replaceAll(".* head ", "");
    try (Connection c = db();
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=5000");
      s.executeUpdate("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)");
    }
    AuditCommand.Verify verify = new AuditCommand.Verify();
    verify.env =
        Map.of("WARBLER_ADMIN_KEY", TestServer.ADMIN_KEY, "WARBLER_DATA_DIR", dir.toString());
    StringWriter out2 = new StringWriter();
    CommandLine cli = new CommandLine(verify);
    cli.setOut(new PrintWriter(out2));
    int code =
        cli.execute(
            "--server", "http://127.0.0.1:" + node.server.httpPort(), "--expect-head", head);
    assertThat(code).as("%s", out2).isEqualTo(1);
    assertThat(out2.toString()).contains("is not in the chain");
  }

  @Test
  @Order(8)
  void anInsiderWhoEditsAnEntryAndRecomputesTheChainWithoutTheKeyIsCaught() throws Exception {
    assertThat(verify(new StringWriter())).isZero();
    try (Connection c = db();
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=5000");
      s.executeUpdate("CREATE TABLE saved AS SELECT * FROM audit_log");
      s.executeUpdate("UPDATE audit_log SET target = 'nobody' WHERE seq = 3");
      // Recompute every hash from entry 3 on, as the plain SHA-256 chain used to allow; once as
      // "legacy" rows, once still claiming to be keyed.
      for (int keyed : new int[] {0, 1}) {
        recomputeWithoutKey(c, 3, keyed);
        StringWriter out = new StringWriter();
        assertThat(verify(out)).as("%s", out).isEqualTo(1);
        assertThat(out.toString()).startsWith("BROKEN at entry 3:");
      }
      s.executeUpdate("DELETE FROM audit_log");
      s.executeUpdate("INSERT INTO audit_log SELECT * FROM saved");
      s.executeUpdate("DROP TABLE saved");
    }
    assertThat(verify(new StringWriter())).isZero();
  }

  /** Rewrites prev_hash and hash from {@code from} on with the unkeyed SHA-256 chain. */
  static void recomputeWithoutKey(Connection c, long from, int keyed) throws Exception {
    String prev;
    try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM audit_log WHERE seq = ?")) {
      ps.setLong(1, from - 1);
      try (ResultSet rs = ps.executeQuery()) {
        prev = rs.next() ? rs.getString(1) : dev.warbler.core.audit.AuditChain.GENESIS;
      }
    }
    List<Object[]> rows = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT seq, time, app, actor, ip, action, target, outcome, error, count, detail"
                + " FROM audit_log WHERE seq >= ? ORDER BY seq")) {
      ps.setLong(1, from);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new Object[] {
                rs.getLong(1),
                new dev.warbler.core.audit.AuditEvent(
                    rs.getLong(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6),
                    rs.getString(7),
                    rs.getString(8),
                    rs.getString(9),
                    rs.getLong(10),
                    rs.getString(11))
              });
        }
      }
    }
    try (PreparedStatement up =
        c.prepareStatement(
            "UPDATE audit_log SET prev_hash = ?, hash = ?, keyed = ? WHERE seq = ?")) {
      for (Object[] row : rows) {
        long seq = (Long) row[0];
        String hash =
            dev.warbler.core.audit.AuditChain.hash(
                prev, seq, (dev.warbler.core.audit.AuditEvent) row[1]);
        up.setString(1, prev);
        up.setString(2, hash);
        up.setInt(3, keyed);
        up.setLong(4, seq);
        up.executeUpdate();
        prev = hash;
      }
    }
  }

  @Test
  @Order(9)
  void anAppsOwnViewIsNumberedWithoutTheOtherAppsEntriesAndWithoutTheChain() {
    node.call("PUT", "/v1/apps/school/users/x/ban", Map.of("reason", "r"), TestServer.ADMIN_KEY);
    List<JsonNode> own = events("", shopSecret);
    for (int i = 0; i < own.size(); i++) {
      assertThat(own.get(i).get("seq").asLong()).isEqualTo(i + 1);
      assertThat(own.get(i).has("hash")).isFalse();
      assertThat(own.get(i).has("prevHash")).isFalse();
    }
    // Paging the app's view by its own numbering.
    List<Long> paged = new ArrayList<>();
    String cursor = "";
    do {
      TestServer.Reply page =
          node.call(
              "GET",
              "/v1/audit?limit=2" + (cursor.isEmpty() ? "" : "&cursor=" + cursor),
              null,
              shopSecret);
      page.body().get("items").forEach(e -> paged.add(e.get("seq").asLong()));
      JsonNode next = page.body().get("nextCursor");
      cursor = next == null || next.isNull() ? "" : next.asText();
    } while (!cursor.isEmpty());
    assertThat(paged)
        .containsExactlyElementsOf(own.stream().map(e -> e.get("seq").asLong()).toList());
    // The admin still sees the global chain, each entry with its app's number.
    List<JsonNode> all = events("app=shop");
    assertThat(all.stream().map(e -> e.get("appSeq").asLong()).toList())
        .containsExactlyElementsOf(own.stream().map(e -> e.get("seq").asLong()).toList());
  }
}
