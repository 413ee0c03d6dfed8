package dev.warbler.core.crypto;

import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.spi.DirectoryStore;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Keeps app secrets sealed in the store when a master key is configured: a {@link DirectoryStore}
 * decorator that seals a secret (AES-256-GCM under the master key, bound to its app) before it is
 * written and opens it when read, so that a copy of the database does not hand out every app's API
 * secret. Without a master key secrets are stored as they are. Everything else passes through.
 *
 * <p>A stored secret is either the secret itself (never sealed) or {@code sealed:1:KEYID:BASE64}
 * (nonce and ciphertext; KEYID names the master key, see {@link MasterKeys#id}). {@link #sealAll}
 * seals the plain ones and reseals those sealed by a previous master key, at start.
 */
public final class SealingDirectoryStore implements DirectoryStore {
  private static final String PREFIX = "sealed:1:";

  private final DirectoryStore store;
  private final MasterKeys keys;

  public SealingDirectoryStore(DirectoryStore store, MasterKeys keys) {
    this.store = store;
    this.keys = keys;
  }

  /**
   * Seals every plain secret and reseals every secret sealed by a previous master key, when a
   * master key is configured; returns how many it rewrote. Fails, naming the app, when a secret is
   * sealed by a master key that is not configured (the node could not verify that app's tokens).
   */
  public int sealAll() {
    int rewritten = 0;
    for (App stored : store.apps()) {
      String secret = stored.secret();
      boolean sealed = secret.startsWith(PREFIX);
      if (!keys.configured()) {
        if (sealed) {
          open(stored); // fails with the message that names the missing key
        }
        continue;
      }
      if (!sealed || !keyId(secret).equals(keys.currentId())) {
        store.updateAppSecret(stored.id(), seal(stored.id(), open(stored).secret()));
        rewritten++;
      }
    }
    return rewritten;
  }

  @Override
  public boolean createApp(App app) {
    return store.createApp(
        new App(app.id(), app.name(), seal(app.id(), app.secret()), app.createdAt()));
  }

  @Override
  public Optional<App> app(String id) {
    return store.app(id).map(this::open);
  }

  @Override
  public boolean updateAppSecret(String id, String secret) {
    return store.updateAppSecret(id, seal(id, secret));
  }

  @Override
  public List<App> apps() {
    return store.apps().stream().map(this::open).toList();
  }

  @Override
  public boolean createUser(User user) {
    return store.createUser(user);
  }

  @Override
  public Optional<User> user(String app, String id) {
    return store.user(app, id);
  }

  @Override
  public boolean deleteUser(String app, String id, long deletedAt) {
    return store.deleteUser(app, id, deletedAt);
  }

  @Override
  public boolean retired(String app, String id) {
    return store.retired(app, id);
  }

  private String seal(String app, String secret) {
    if (!keys.configured()) {
      return secret;
    }
    byte[] sealed = keys.sealAppSecret(app, secret.getBytes(StandardCharsets.UTF_8));
    return PREFIX + keys.currentId() + ":" + Base64.getEncoder().encodeToString(sealed);
  }

  private App open(App stored) {
    String secret = stored.secret();
    if (!secret.startsWith(PREFIX)) {
      return stored;
    }
    String id = keyId(secret);
    byte[] sealed = Base64.getDecoder().decode(secret.substring(PREFIX.length() + id.length() + 1));
    byte[] plain =
        keys.openAppSecret(stored.id(), sealed, id)
            .orElseThrow(() ->
                new IllegalStateException(
                    "the secret of app '"
                        + stored.id()
                        + "' is sealed by master key "
                        + id
                        + ", which is neither the configured security.master-key ("
                        + (keys.configured() ? keys.currentId() : "none")
                        + ") nor one of security.previous-master-keys"));
    return new App(
        stored.id(), stored.name(), new String(plain, StandardCharsets.UTF_8), stored.createdAt());
  }

  private static String keyId(String sealed) {
    int end = sealed.indexOf(':', PREFIX.length());
    return end < 0 ? "" : sealed.substring(PREFIX.length(), end);
  }
}
