package dev.warbler.bus.nats;

import dev.warbler.core.spi.Topic;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * NATS subjects and key-value keys for topics. A subject token may not be empty nor contain {@code
 * .}, {@code *}, {@code >} or whitespace, and a key-value key allows only {@code [A-Za-z0-9-_/=.]};
 * ids may contain anything. So each app and id is encoded as one token in the quoted-printable
 * style: {@code [A-Za-z0-9_-]} stay as they are, every other UTF-8 byte becomes {@code =XX} (two
 * upper-case hex digits), and the empty string is {@code =}. The result is readable for plain ids,
 * never empty, injective, and valid both as a subject token and in a key.
 *
 * <p>Subjects: {@code PREFIX.nodes} for {@link Topic#nodes()}, {@code PREFIX.work.NAME} for work,
 * and {@code PREFIX.user|group|room.APP.ID} for the others.
 */
final class Subjects {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Subjects() {}

  /** One token for {@code text}: see the class comment. */
  static String token(String text) {
    if (text.isEmpty()) {
      return "=";
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (plain(c)) {
        out.append((char) c);
      } else {
        out.append('=').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  /** The text a {@link #token} came from. */
  static String untoken(String token) {
    if (token.equals("=")) {
      return "";
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(token.length());
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '=') {
        int hi = i + 2 < token.length() ? Character.digit(token.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(token.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          throw new IllegalArgumentException("not a subject token: '" + token + "'");
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (plain(c)) {
        bytes.write(c);
      } else {
        throw new IllegalArgumentException("not a subject token: '" + token + "'");
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** The subject of {@code topic} under {@code prefix}. */
  static String subject(String prefix, Topic topic) {
    String kind = topic.kind().name().toLowerCase(Locale.ROOT);
    return switch (topic.kind()) {
      case NODES -> prefix + "." + kind;
      case WORK -> prefix + "." + kind + "." + token(topic.id());
      case USER, GROUP, ROOM ->
          prefix + "." + kind + "." + token(topic.app()) + "." + token(topic.id());
    };
  }

  /** The key of one user in the presence bucket. */
  static String presenceKey(String app, String user) {
    return token(app) + "." + token(user);
  }

  /** Checks a subject prefix: dot-separated tokens of {@code [A-Za-z0-9_-]}. */
  static String requirePrefix(String prefix) {
    if (!prefix.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
      throw new IllegalArgumentException(
          "nats subject prefix must be dot-separated tokens of [A-Za-z0-9_-] but was '"
              + prefix
              + "'");
    }
    return prefix;
  }

  private static boolean plain(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '-';
  }
}
