package dev.warbler.core.crypto;

import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageExtras;
import dev.warbler.core.spi.DataKeyStore;
import dev.warbler.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encryption at rest of message bodies, per app (ADR 0011). An app that turned it on gets a random
 * 256-bit data key per version, stored wrapped by the master key ({@link MasterKeys}); new bodies
 * (text and payload) are sealed with AES-256-GCM under the app's newest key version before they
 * reach the store, and opened transparently on every read. Ids, seqs, times, senders, mentions and
 * reactions stay in clear.
 *
 * <p>A stored body is one of: plain text (never starts with {@link #MARK}); {@link #SEALED}
 * followed by base64 of {@code [format 1][key version, 4 bytes][12-byte nonce][ciphertext + tag]};
 * or {@link #ESCAPED} followed by a plain body that itself starts with {@link #MARK}. The GCM
 * associated data binds the format, the key version, the app, the conversation and the field (text
 * or payload), so a body moved to another app, conversation or field does not open.
 *
 * <p>Thread-safe. Key state is cached per app after its first use; enabling, disabling and rotating
 * drop the app's entry here and tell the {@linkplain #onChange change listener} (the server
 * publishes it, so that every node {@linkplain #forget forgets} its entry too).
 */
public final class AtRestEncryption {
  private static final Logger log = LoggerFactory.getLogger(AtRestEncryption.class);

  /** A Unicode noncharacter that starts every body this class transformed. */
  public static final char MARK = '\uFDD0';

  /** Starts a sealed body. */
  public static final String SEALED = MARK + "E";

  /** Starts a plain body that began with {@link #MARK} itself. */
  public static final String ESCAPED = MARK + "P";

  private static final byte FORMAT = 1;
  private static final int HEADER_BYTES = 5;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  /** The text field, in the associated data. */
  public static final String TEXT = "text";

  /** The payload field, in the associated data. */
  public static final String PAYLOAD = "payload";

  /** What a caller may know about an app's encryption. */
  public record Status(
      String app,
      boolean enabled,
      int keyVersion,
      List<Integer> keyVersions,
      boolean masterKeyConfigured) {}

  /** One app's keys: {@code current} seals new bodies when {@code enabled}. */
  private record AppKeys(boolean enabled, int current, Map<Integer, SecretKeySpec> keys) {}

  /** A body that could not be opened: altered, or its key version is unknown. */
  static final class Undecryptable extends RuntimeException {
    Undecryptable(String message, @Nullable Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private final DataKeyStore store;
  private final MasterKeys master;
  private final InstantSource clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, AppKeys> apps = new ConcurrentHashMap<>();
  private volatile Consumer<String> changed = app -> {};
  private final ConcurrentLinkedQueue<Cipher> ciphers = new ConcurrentLinkedQueue<>();

  public AtRestEncryption(DataKeyStore store, MasterKeys master, InstantSource clock) {
    this.store = store;
    this.master = master;
    this.clock = clock;
  }

  /** No master key and nothing stored: no app can turn encryption on; bodies stay plain. */
  public static AtRestEncryption disabled(InstantSource clock) {
    return new AtRestEncryption(
        new DataKeyStore() {
          @Override
          public boolean enabled(String app) {
            return false;
          }

          @Override
          public void setEnabled(String app, boolean enabled, long at) {}

          @Override
          public List<DataKey> keys(String app) {
            return List.of();
          }

          @Override
          public List<DataKey> allKeys() {
            return List.of();
          }

          @Override
          public boolean addKey(DataKey key) {
            return false;
          }

          @Override
          public void rewrap(DataKey key) {}
        },
        MasterKeys.none(),
        clock);
  }

  public boolean masterKeyConfigured() {
    return master.configured();
  }

  /**
   * Checks at start that every stored data key unwraps with a configured master key, and rewraps
   * those wrapped by a previous master key with the current one. Returns how many were rewrapped.
   * Fails with {@link IllegalStateException} naming the app and key when a key was wrapped by a
   * master key that is not configured (a wrong or missing {@code security.master-key}).
   */
  public int rewrapAll() {
    int rewrapped = 0;
    for (DataKeyStore.DataKey k : store.allKeys()) {
      if (!master.configured()) {
        throw new IllegalStateException(
            "app '"
                + k.app()
                + "' has encrypted message bodies (data key version "
                + k.version()
                + ", wrapped by master key "
                + k.masterKeyId()
                + ") but no security.master-key or security.master-key-file is configured");
      }
      byte[] plain = unwrap(k);
      if (!k.masterKeyId().equals(master.currentId())) {
        store.rewrap(
            new DataKeyStore.DataKey(
                k.app(),
                k.version(),
                master.wrap(k.app(), k.version(), plain),
                master.currentId(),
                k.createdAt()));
        rewrapped++;
      }
    }
    apps.clear();
    return rewrapped;
  }

  private byte[] unwrap(DataKeyStore.DataKey k) {
    return master
        .unwrap(k.app(), k.version(), k.wrapped(), k.masterKeyId())
        .orElseThrow(() ->
            new IllegalStateException(
                "data key version "
                    + k.version()
                    + " of app '"
                    + k.app()
                    + "' was wrapped by master key "
                    + k.masterKeyId()
                    + ", which is neither the configured security.master-key ("
                    + (master.configured() ? master.currentId() : "none")
                    + ") nor one of security.previous-master-keys: wrong master key?"));
  }

  public Status status(String app) {
    AppKeys k = keys(app);
    return new Status(
        app,
        k.enabled(),
        k.current(),
        k.keys().keySet().stream().sorted().toList(),
        master.configured());
  }

  /**
   * Turns encryption of new bodies on or off. Turning it on creates the first data key if there is
   * none; fails with ENCRYPTION_NOT_CONFIGURED without a master key. Existing bodies stay as they
   * were stored (plain ones stay plain, sealed ones stay readable).
   */
  public synchronized Status setEnabled(String app, boolean enabled) {
    if (enabled) {
      requireMasterKey();
      if (keys(app).keys().isEmpty()) {
        addKey(app, 1);
      }
    }
    store.setEnabled(app, enabled, clock.millis());
    forget(app);
    changed.accept(app);
    return status(app);
  }

  /**
   * Creates the next data key version: new bodies are sealed with it; older versions stay to open
   * what they sealed. No downtime: writes in flight finish with the version they started with.
   */
  public synchronized Status rotate(String app) {
    requireMasterKey();
    AppKeys k = keys(app);
    int next = k.keys().keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    addKey(app, next);
    forget(app);
    changed.accept(app);
    log.info("app '{}': data key rotated to version {}", app, next);
    return status(app);
  }

  /** Sets the one listener told (with the app id) after each change of an app's key state. */
  public void onChange(Consumer<String> listener) {
    this.changed = listener;
  }

  /** Drops the cached key state of an app, which changed (here or on another node). */
  public void forget(String app) {
    apps.remove(app);
  }

  /** Fails with ENCRYPTION_NOT_CONFIGURED when no master key is configured. */
  public void requireMasterKey() {
    if (!master.configured()) {
      throw new WarblerException(
          ErrorCode.ENCRYPTION_NOT_CONFIGURED,
          "encryption at rest needs a master key: set security.master-key-file (or"
              + " security.master-key) in the server configuration");
    }
  }

  private void addKey(String app, int version) {
    byte[] key = new byte[MasterKeys.KEY_BYTES];
    random.nextBytes(key);
    boolean added =
        store.addKey(
            new DataKeyStore.DataKey(
                app, version, master.wrap(app, version, key), master.currentId(), clock.millis()));
    if (!added) {
      throw new WarblerException(
          ErrorCode.ALREADY_EXISTS, "app '" + app + "' already has data key version " + version);
    }
  }

  private AppKeys keys(String app) {
    AppKeys k = apps.get(app);
    return k != null ? k : apps.computeIfAbsent(app, this::load);
  }

  private AppKeys load(String app) {
    Map<Integer, SecretKeySpec> keys = new HashMap<>();
    int current = 0;
    for (DataKeyStore.DataKey k : store.keys(app)) {
      if (!master.configured()) {
        throw new IllegalStateException("no master key to unwrap data keys of app '" + app + "'");
      }
      keys.put(k.version(), new SecretKeySpec(unwrap(k), "AES"));
      current = Math.max(current, k.version());
    }
    return new AppKeys(store.enabled(app) && current > 0, current, Map.copyOf(keys));
  }

  // ---- bodies --------------------------------------------------------------------------------

  /** The key new bodies of the app are sealed with; null when the app does not encrypt. */
  public @Nullable SealingKey sealingKey(String app) {
    AppKeys k = keys(app);
    return k.enabled() ? new SealingKey(k.current(), k.keys().get(k.current())) : null;
  }

  /** A key version and its key. */
  public record SealingKey(int version, SecretKeySpec key) {}

  /**
   * What to store for a body: sealed under {@code key} (null: stored plain), escaped if it is plain
   * and starts with {@link #MARK}; an empty body stays empty.
   */
  public String seal(
      @Nullable SealingKey key,
      String app,
      ConversationId conversation,
      String field,
      String body) {
    if (body.isEmpty()) {
      return body;
    }
    if (key == null) {
      return body.charAt(0) == MARK ? ESCAPED + body : body;
    }
    byte[] header = ByteBuffer.allocate(HEADER_BYTES).put(FORMAT).putInt(key.version()).array();
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] plain = body.getBytes(StandardCharsets.UTF_8);
    Cipher c = cipher();
    try {
      c.init(Cipher.ENCRYPT_MODE, key.key(), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(header);
      c.updateAAD(context(app, conversation, field));
      byte[] out = new byte[HEADER_BYTES + NONCE_BYTES + c.getOutputSize(plain.length)];
      System.arraycopy(header, 0, out, 0, HEADER_BYTES);
      System.arraycopy(nonce, 0, out, HEADER_BYTES, NONCE_BYTES);
      c.doFinal(plain, 0, plain.length, out, HEADER_BYTES + NONCE_BYTES);
      return SEALED + Base64.getEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a message body", e);
    } finally {
      ciphers.offer(c);
    }
  }

  /**
   * The plain body of a stored one; fails with a RuntimeException (an altered body, an unknown key
   * version) if it does not open.
   */
  public String open(String app, ConversationId conversation, String field, String stored) {
    if (stored.isEmpty() || stored.charAt(0) != MARK) {
      return stored;
    }
    if (stored.startsWith(ESCAPED)) {
      return stored.substring(ESCAPED.length());
    }
    if (!stored.startsWith(SEALED)) {
      throw new Undecryptable("unknown body format", null);
    }
    byte[] in;
    try {
      in = Base64.getDecoder().decode(stored.substring(SEALED.length()));
    } catch (IllegalArgumentException e) {
      throw new Undecryptable("sealed body is not base64", e);
    }
    if (in.length < HEADER_BYTES + NONCE_BYTES + TAG_BITS / 8 || in[0] != FORMAT) {
      throw new Undecryptable("sealed body is truncated or of an unknown format", null);
    }
    int version = ByteBuffer.wrap(in, 1, 4).getInt();
    SecretKeySpec key = keyVersion(app, version);
    Cipher c = cipher();
    try {
      c.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, HEADER_BYTES, NONCE_BYTES));
      c.updateAAD(in, 0, HEADER_BYTES);
      c.updateAAD(context(app, conversation, field));
      byte[] plain =
          c.doFinal(in, HEADER_BYTES + NONCE_BYTES, in.length - HEADER_BYTES - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new Undecryptable("authentication failed (altered, or moved from elsewhere)", e);
    } finally {
      ciphers.offer(c);
    }
  }

  private SecretKeySpec keyVersion(String app, int version) {
    SecretKeySpec key = keys(app).keys().get(version);
    if (key == null) {
      apps.remove(app); // another node may have rotated: reload once
      key = keys(app).keys().get(version);
    }
    if (key == null) {
      throw new Undecryptable("no data key version " + version, null);
    }
    return key;
  }

  private static byte[] context(String app, ConversationId conversation, String field) {
    return ("warbler/body/1\0" + app + "\0" + conversation + "\0" + field)
        .getBytes(StandardCharsets.UTF_8);
  }

  private Cipher cipher() {
    Cipher c = ciphers.poll();
    if (c != null) {
      return c;
    }
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (NoSuchAlgorithmException | javax.crypto.NoSuchPaddingException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- messages ------------------------------------------------------------------------------

  /**
   * A stored message with its body (and an edit entry's new body) opened. One that does not open
   * comes back with an empty body and {@link MessageExtras#undecryptable()} set, so that one
   * altered row does not fail a whole page; it is logged without its content.
   */
  ChatMessage open(ChatMessage m) {
    Optional<MessageChange> change = m.extras().change();
    boolean editEntry =
        change.isPresent() && change.get().action() instanceof MessageChange.Action.Edit;
    if (!marked(m.text()) && !marked(m.payload()) && !editEntry) {
      return m;
    }
    try {
      String text = open(m.app(), m.conversation(), TEXT, m.text());
      String payload = open(m.app(), m.conversation(), PAYLOAD, m.payload());
      MessageExtras extras = m.extras();
      if (editEntry && change.get().action() instanceof MessageChange.Action.Edit e) {
        extras =
            extras.withChange(
                Optional.of(
                    new MessageChange(
                        change.get().targetSeq(),
                        new MessageChange.Action.Edit(
                            open(m.app(), m.conversation(), TEXT, e.text()),
                            open(m.app(), m.conversation(), PAYLOAD, e.payload()),
                            e.editedAt()))));
      }
      return m.withBody(text, payload, extras);
    } catch (Undecryptable e) {
      log.warn(
          "app '{}' {} seq {}: message body cannot be decrypted: {}",
          m.app(),
          m.conversation(),
          m.seq(),
          e.getMessage());
      Optional<MessageChange> blanked =
          change.map(c ->
              c.action() instanceof MessageChange.Action.Edit edit
                  ? new MessageChange(
                      c.targetSeq(), new MessageChange.Action.Edit("", "", edit.editedAt()))
                  : c);
      return m.withBody("", "", m.extras().undecryptable(blanked));
    }
  }

  private static boolean marked(String body) {
    return !body.isEmpty() && body.charAt(0) == MARK;
  }
}
