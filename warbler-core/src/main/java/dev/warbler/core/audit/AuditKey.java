package dev.warbler.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The secret that keys the audit log's chain (HMAC-SHA256). It must be kept outside the database,
 * and for protection against whoever can write the data directory, outside that too ({@code
 * audit.key-file}): someone who edits entries and recomputes the chain without it produces MACs
 * that do not verify. {@link #id()} is a fingerprint that names the key in logs, never the key.
 */
public final class AuditKey {
  /** Shortest key accepted: HMAC-SHA256 gains nothing from more than 32 bytes. */
  public static final int MIN_BYTES = 32;

  private final byte[] secret;
  private final String id;

  public AuditKey(byte[] secret) {
    if (secret.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "the audit key must be at least " + MIN_BYTES + " bytes but is " + secret.length);
    }
    this.secret = secret.clone();
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(concat("warbler audit key id\n".getBytes(StandardCharsets.US_ASCII), secret));
      this.id = HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  byte[] secret() {
    return secret.clone();
  }

  /** A fingerprint of the key (16 hex digits), safe to log. */
  public String id() {
    return id;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public String toString() {
    return "AuditKey[" + id + "]";
  }
}
