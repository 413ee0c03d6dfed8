package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a master key configured, app secrets are sealed in the database (a copy of the file no
 * longer hands out every app's key); they are sealed at the first start with the key, resealed
 * after a master-key rotation, and a node without the key refuses to start instead of failing every
 * app's calls.
 */
class AppSecretSealingTest {
  @TempDir Path dir;

  private static String newKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  private String storedSecret(String app) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("warbler.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT secret FROM apps WHERE id = '" + app + "'")) {
      return rs.getString(1);
    }
  }

  @Test
  void secretsAreSealedWithTheMasterKeyAndStillWork() throws Exception {
    String secret;
    try (TestServer node = TestServer.start(dir)) {
      secret = node.call("POST", "/v1/apps", Map.of("id", "shop")).body().get("secret").asText();
    }
    assertThat(storedSecret("shop")).isEqualTo(secret); // no master key: nothing to seal with

    String k1 = newKey();
    try (TestServer node = TestServer.start(dir, Map.of(Setting.SECURITY_MASTER_KEY, k1))) {
      assertThat(node.call("GET", "/v1/apps/shop", null, secret).status()).isEqualTo(200);
      String created =
          node.call("POST", "/v1/apps", Map.of("id", "school")).body().get("secret").asText();
      assertThat(node.call("GET", "/v1/apps/school", null, created).status()).isEqualTo(200);
      assertThat(storedSecret("school")).startsWith("sealed:1:").doesNotContain(created);
    }
    String sealed = storedSecret("shop");
    assertThat(sealed).startsWith("sealed:1:").doesNotContain(secret);

    assertThatThrownBy(() -> TestServer.start(dir))
        .hasMessageContaining("is sealed by master key")
        .hasMessageContaining("security.master-key");

    String k2 = newKey();
    try (TestServer node =
        TestServer.start(
            dir,
            Map.of(Setting.SECURITY_MASTER_KEY, k2, Setting.SECURITY_PREVIOUS_MASTER_KEYS, k1))) {
      assertThat(node.call("GET", "/v1/apps/shop", null, secret).status()).isEqualTo(200);
      String rotated =
          node.call("POST", "/v1/apps/shop/secret/rotate", null, secret)
              .body()
              .get("secret")
              .asText();
      assertThat(node.call("GET", "/v1/apps/shop", null, rotated).status()).isEqualTo(200);
    }
    assertThat(storedSecret("shop")).startsWith("sealed:1:").isNotEqualTo(sealed);
    try (TestServer node = TestServer.start(dir, Map.of(Setting.SECURITY_MASTER_KEY, k2))) {
      assertThat(node.call("GET", "/v1/apps/school", null, "wrong").status()).isEqualTo(401);
    }
  }
}
