package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.api.Route;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks every REST operation the server serves (the route table, so new operations are covered as
 * they are added) with missing credentials, a wrong key and another app's secret, and expects the
 * documented refusal before any input is looked at.
 */
class AuthorizationTest {
  @TempDir static Path dir;
  static TestServer node;
  static String shopSecret;
  static String schoolSecret;

  @BeforeAll
  static void start() {
    // Hundreds of unknown keys from one address: about authorization, not the guessing throttle.
    node = TestServer.start(dir, Map.of(Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "0"));
    shopSecret = node.call("POST", "/v1/apps", Map.of("id", "shop")).body().get("secret").asText();
    schoolSecret =
        node.call("POST", "/v1/apps", Map.of("id", "school")).body().get("secret").asText();
    node.call("POST", "/v1/apps/shop/users", Map.of("id", "alice"), shopSecret);
    node.call("POST", "/v1/apps/shop/users", Map.of("id", "bob"), shopSecret);
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

  /** A concrete path for a route of app {@code app}: every path parameter gets a real value. */
  private static String path(Route r, String app) {
    return r.path()
        .replace("{app}", app)
        .replace("{user}", "alice")
        .replace("{group}", "team")
        .replace("{conversation}", "g:team")
        .replace("{seq}", "1")
        .replace("{room}", "lobby")
        .replaceAll("\\{[^}]+}", "x");
  }

  private static boolean isPublic(Route r) {
    return !(r.path().startsWith("/v1/apps") || r.path().startsWith("/v1/audit"))
        || r.operationId().equals("getDiscovery");
  }

  private static void assertRefused(TestServer.Reply r, int status, String name, Route route) {
    assertThat(r.status()).as(route.operationId() + " " + r).isEqualTo(status);
    assertThat(r.contentType()).as(route.operationId()).startsWith("application/problem+json");
    assertThat(r.body().get("title").asText()).as(route.operationId()).isEqualTo(name);
  }

  @Test
  void everyAppOperationRefusesCallersWithoutAKey() {
    for (Route r : node.server.routes()) {
      if (!isPublic(r)) {
        assertRefused(node.call(r.method(), path(r, "shop"), "{}", ""), 401, "UNAUTHENTICATED", r);
        // Before the body is read: an unreadable body is not looked at without credentials.
        assertRefused(
            node.call(r.method(), path(r, "shop"), "{not json", ""), 401, "UNAUTHENTICATED", r);
      }
    }
  }

  @Test
  void everyAppOperationRefusesAnUnknownKey() {
    for (Route r : node.server.routes()) {
      if (!isPublic(r)) {
        assertRefused(
            node.call(r.method(), path(r, "shop"), "{}", "not-a-key"), 401, "UNAUTHENTICATED", r);
      }
    }
  }

  @Test
  void everyOperationOnAnAppRefusesAnotherAppsSecret() {
    for (Route r : node.server.routes()) {
      if (r.path().startsWith("/v1/apps/{app}")) {
        assertRefused(
            node.call(r.method(), path(r, "shop"), "{}", schoolSecret), 401, "WRONG_APP", r);
      }
    }
  }

  @Test
  void onlyTheAdminKeyManagesApps() {
    for (Route r : node.server.routes()) {
      if (r.path().equals("/v1/apps")) {
        assertRefused(node.call(r.method(), r.path(), "{}", shopSecret), 403, "FORBIDDEN", r);
      }
    }
  }

  /** Encryption at rest of an app (ADR 0011) is the root admin's, not the app's own secret's. */
  private static final List<String> ADMIN_ONLY_APP_OPERATIONS =
      List.of("getAppEncryption", "setAppEncryption", "rotateAppDataKey");

  @Test
  void onlyTheAdminKeyManagesAnAppsEncryption() {
    List<Route> adminOnly =
        node.server.routes().stream()
            .filter(r -> ADMIN_ONLY_APP_OPERATIONS.contains(r.operationId()))
            .toList();
    assertThat(adminOnly).hasSize(ADMIN_ONLY_APP_OPERATIONS.size());
    for (Route r : adminOnly) {
      assertRefused(
          node.call(r.method(), path(r, "shop"), "{\"enabled\":true}", shopSecret),
          403,
          "FORBIDDEN",
          r);
    }
  }

  @Test
  void theAuditLogIsReadByTheAdminKeyOrAnAppsSecretForItsOwnAppOnly() {
    assertThat(node.call("GET", "/v1/audit", null).status()).isEqualTo(200);
    assertThat(node.call("GET", "/v1/audit?app=shop", null, shopSecret).status()).isEqualTo(200);
    TestServer.Reply other = node.call("GET", "/v1/audit?app=school", null, shopSecret);
    assertThat(other.status()).isEqualTo(403);
    assertThat(other.body().get("title").asText()).isEqualTo("FORBIDDEN");
    node.call("GET", "/v1/audit", null, shopSecret)
        .body()
        .get("items")
        .forEach(e -> assertThat(e.get("app").asText()).isEqualTo("shop"));
  }

  @Test
  void banAndRevocationAreRefusedToAnotherAppsSecretAndLeaveTheUserAlone() {
    for (String path :
        List.of("/v1/apps/shop/users/alice/ban", "/v1/apps/shop/users/alice/tokens/revoke")) {
      String method = path.endsWith("ban") ? "PUT" : "POST";
      assertThat(node.call(method, path, "{}", schoolSecret).status()).isEqualTo(401);
    }
    TestServer.Reply access = node.call("GET", "/v1/apps/shop/users/alice/access", null);
    assertThat(access.body().get("banned").asBoolean()).isFalse();
    assertThat(access.body().get("tokensNotBefore").asLong()).isZero();
  }

  @Test
  void anAppsSecretSeesNothingOfAnotherApp() {
    TestServer.Reply user = node.call("GET", "/v1/apps/school/users/alice", null, schoolSecret);
    assertThat(user.status()).isEqualTo(404);
    TestServer.Reply history =
        node.call("GET", "/v1/apps/school/conversations/g:team/messages", null, schoolSecret);
    assertThat(history.body().get("messages")).isEmpty();
  }
}
