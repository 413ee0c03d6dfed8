package dev.warbler.core.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The master keys of encryption at rest (ADR 0011): the current one wraps data keys; previous ones
 * only unwrap, so that data keys wrapped before a master-key rotation can be rewrapped. A key is
 * named by its fingerprint ({@link #id}), stored next to each wrapped data key so that unwrapping
 * with a wrong key fails with a clear message instead of a bare tag mismatch.
 */
public final class MasterKeys {
  /** AES-256. */
  public static final int KEY_BYTES = 32;

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte @Nullable [] current;
  private final List<byte[]> previous;

  private MasterKeys(byte @Nullable [] current, List<byte[]> previous) {
    this.current = current;
    this.previous = previous;
  }

  /** No master key: apps cannot turn encryption on. */
  public static MasterKeys none() {
    return new MasterKeys(null, List.of());
  }

  /** {@code current} wraps; each of {@code previous} only unwraps. All must be 32 bytes. */
  public static MasterKeys of(byte[] current, List<byte[]> previous) {
    require(current, "the master key");
    List<byte[]> old = new ArrayList<>();
    for (byte[] p : previous) {
      require(p, "a previous master key");
      old.add(p.clone());
    }
    return new MasterKeys(current.clone(), List.copyOf(old));
  }

  private static void require(byte[] key, String what) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          what
              + " must be "
              + KEY_BYTES
              + " bytes (base64 of 32 random bytes) but is "
              + key.length);
    }
  }

  public boolean configured() {
    return current != null;
  }

  /** The fingerprint of the current master key; empty if none is configured. */
  public String currentId() {
    return current == null ? "" : id(current);
  }

  /** A key's public name: the first 8 bytes of SHA-256 over a label and the key, in hex. */
  public static String id(byte[] key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("warbler/master-key-id/1".getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(key), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Wraps a data key with the current master key, bound to its app and version. */
  byte[] wrap(String app, int version, byte[] dataKey) {
    return seal(aad(app, version), dataKey, "a data key");
  }

  /**
   * Unwraps a data key with the master key named {@code masterKeyId} (current or previous); empty
   * if no configured key has that name. Fails if the wrapped bytes were tampered with.
   */
  Optional<byte[]> unwrap(String app, int version, byte[] wrapped, String masterKeyId) {
    return open(
        aad(app, version), wrapped, masterKeyId, "data key " + version + " of app '" + app + "'");
  }

  /** Seals an app's API secret with the current master key, bound to the app. */
  byte[] sealAppSecret(String app, byte[] secret) {
    return seal(appSecretAad(app), secret, "an app secret");
  }

  /** Opens an app secret sealed by the master key {@code masterKeyId}; empty if not configured. */
  Optional<byte[]> openAppSecret(String app, byte[] sealed, String masterKeyId) {
    return open(appSecretAad(app), sealed, masterKeyId, "the secret of app '" + app + "'");
  }

  private byte[] seal(byte[] aad, byte[] plain, String what) {
    if (current == null) {
      throw new IllegalStateException("no master key configured");
    }
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(current, "AES"),
          new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad);
      byte[] sealed = c.doFinal(plain);
      return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot seal " + what, e);
    }
  }

  private Optional<byte[]> open(byte[] aad, byte[] sealed, String masterKeyId, String what) {
    byte @Nullable [] key = null;
    if (current != null && id(current).equals(masterKeyId)) {
      key = current;
    } else {
      for (byte[] p : previous) {
        if (id(p).equals(masterKeyId)) {
          key = p;
        }
      }
    }
    if (key == null) {
      return Optional.empty();
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
      c.updateAAD(aad);
      return Optional.of(c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          what + " does not unwrap with master key " + masterKeyId + ": the stored key was altered",
          e);
    }
  }

  private static byte[] appSecretAad(String app) {
    return ("warbler/app-secret/1\0" + app).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] aad(String app, int version) {
    return ("warbler/data-key/1\0" + app + "\0" + version).getBytes(StandardCharsets.UTF_8);
  }
}
