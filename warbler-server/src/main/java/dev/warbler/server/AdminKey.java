package dev.warbler.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Rules for the root admin key, which can do everything on every app: long enough that guessing it
 * is hopeless even without the authentication throttle. A generated key ({@code DATA/admin.key}) is
 * {@code wk_} and 43 base64url characters (256 random bits).
 */
final class AdminKey {
  /** Shortest accepted key: 32 characters of base64 hold 192 bits. */
  static final int MIN_LENGTH = 32;

  /** Fewest distinct characters; refuses {@code aaaa...} and {@code 1212...}. */
  static final int MIN_DISTINCT = 10;

  private AdminKey() {}

  /**
   * The key in {@code file} ({@code DATA/admin.key}); when there is none, a new one is generated
   * into it (readable by the owner only).
   */
  static String fromFile(Path file) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      byte[] bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      String key = "wk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      Files.createFile(file, FilePermissions.ownerOnlyFile(file));
      Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
      return key;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or write the admin key at " + file, e);
    }
  }

  /**
   * Returns {@code key} or throws {@link IllegalArgumentException} naming {@code source} (the
   * setting or file it came from) and how to make a good one.
   */
  static String requireStrong(String key, String source) {
    String problem = null;
    if (key.length() < MIN_LENGTH) {
      problem = "must be at least " + MIN_LENGTH + " characters but has " + key.length();
    } else if (key.chars().distinct().count() < MIN_DISTINCT) {
      problem = "must use at least " + MIN_DISTINCT + " different characters";
    } else if (key.chars().anyMatch(c -> c <= 0x20 || c > 0x7e)) {
      problem = "must be printable ASCII without spaces";
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          "the admin key from "
              + source
              + " is too weak: it "
              + problem
              + "; make one with: openssl rand -base64 32");
    }
    return key;
  }
}
