package dev.warbler.protocol;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.warbler.protocol.v1.ClientFrame;
import java.util.HashMap;
import java.util.Map;

/**
 * Field names in error messages, as each encoding names them. Messages are written with the names
 * of the JSON encoding and the REST API, lowerCamelCase ({@code clientMsgId}, {@code replyTo},
 * {@code joinChatroom}); {@link #toProto} rewrites them as the {@code .proto} file spells them
 * ({@code client_msg_id}, {@code reply_to}, {@code join_chatroom}) for clients of the binary
 * encoding, which know only those. Thread-safe.
 */
public final class FieldNames {
  /** JSON name to proto name, for every field of warbler.v1 whose two names differ. */
  private static final Map<String, String> PROTO = protoNames();

  private FieldNames() {}

  /**
   * {@code message} with every JSON field name of warbler.v1 replaced by its proto name. A name is
   * replaced only as a word of its own: not inside single quotes (where messages quote the values a
   * client sent) and not as part of a longer token such as an id ({@code g:replyTo}, {@code
   * a.replyTo}). Names that are the same in both encodings ({@code user}, {@code text}) are left.
   */
  public static String toProto(String message) {
    StringBuilder out = new StringBuilder(message.length() + 16);
    boolean changed = false;
    int n = message.length();
    int i = 0;
    while (i < n) {
      char c = message.charAt(i);
      if (c == '\'') {
        // A quoted value, copied as it is (an apostrophe in prose only skips a stretch).
        int close = message.indexOf('\'', i + 1);
        int stop = close < 0 ? n : close + 1;
        out.append(message, i, stop);
        i = stop;
      } else if (wordChar(c)) {
        int end = i;
        while (end < n && wordChar(message.charAt(end))) {
          end++;
        }
        String word = message.substring(i, end);
        String proto = PROTO.get(word);
        if (proto != null && standsAlone(message, i, end)) {
          out.append(proto);
          changed = true;
        } else {
          out.append(word);
        }
        i = end;
      } else {
        out.append(c);
        i++;
      }
    }
    return changed ? out.toString() : message;
  }

  private static boolean wordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  /** Characters that continue an id or conversation id around a word. */
  private static boolean idChar(char c) {
    return wordChar(c) || c == '.' || c == '@' || c == '-' || c == ':';
  }

  private static boolean standsAlone(String s, int start, int end) {
    if (start > 0 && idChar(s.charAt(start - 1))) {
      return false;
    }
    if (end < s.length()) {
      char next = s.charAt(end);
      if (next == '.') {
        // The end of a sentence, unless an id goes on after the dot.
        return end + 1 >= s.length() || !idChar(s.charAt(end + 1));
      }
      return !idChar(next);
    }
    return true;
  }

  private static Map<String, String> protoNames() {
    Map<String, String> names = new HashMap<>();
    for (Descriptor type : ClientFrame.getDescriptor().getFile().getMessageTypes()) {
      collect(type, names);
    }
    return Map.copyOf(names);
  }

  private static void collect(Descriptor type, Map<String, String> names) {
    for (FieldDescriptor f : type.getFields()) {
      if (!f.getJsonName().equals(f.getName())) {
        names.put(f.getJsonName(), f.getName());
      }
    }
    for (Descriptor nested : type.getNestedTypes()) {
      collect(nested, names);
    }
  }
}
