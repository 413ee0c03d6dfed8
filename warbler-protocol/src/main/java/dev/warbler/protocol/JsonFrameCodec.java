package dev.warbler.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code warbler.v1.json}: the proto3 JSON mapping, one frame per UTF-8 text message. Unknown
 * fields are ignored so that a frame type this server does not know decodes to a frame with no
 * body, answered with {@link ErrorCode#UNKNOWN_FRAME} rather than a parse error.
 *
 * <p>Refused input is explained without naming the parser's classes: text that is not JSON is
 * "malformed JSON at line L column C: what", JSON that does not fit the schema is "invalid frame:
 * what", and two members of one oneof (a {@code send} to both a {@code user} and a {@code group})
 * is {@link Decoded.Invalid}. The explanation is worked out only for refused frames.
 */
public final class JsonFrameCodec implements FrameCodec {
  public static final JsonFrameCodec INSTANCE = new JsonFrameCodec();

  /** Where Gson says a syntax error is: "... at line 1 column 12 path $.id". */
  private static final Pattern POSITION = Pattern.compile(" at line (\\d+) column (\\d+)");

  /** Text that names an implementation: a qualified class name, or an exception. */
  private static final Pattern INTERNAL =
      Pattern.compile("\\b(java|javax|com|org|io|dev)\\.[a-z]|Exception|JsonReader|\\bGson\\b");

  private final JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();
  private final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();

  private JsonFrameCodec() {}

  @Override
  public Decoded decodeClient(byte[] wire) {
    String text = new String(wire, StandardCharsets.UTF_8);
    try {
      ClientFrame.Builder builder = ClientFrame.newBuilder();
      parser.merge(text, builder);
      return new Decoded.Frame(builder.build());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // JsonFormat throws unchecked exceptions on some inputs (deep nesting, bad numbers).
      return refused(text, e);
    }
  }

  /** Why {@code text} was refused, worked out again with JsonFormat's own JSON parser. */
  private static Decoded refused(String text, Exception failure) {
    String id = requestIdOf(text);
    String message = String.valueOf(failure.getMessage());
    if (message.startsWith("Failed parsing JSON source")) {
      // JsonFormat gave up inside its JSON parser (nesting past what it can follow).
      return new Decoded.Malformed(id, "malformed JSON: nested too deeply");
    }
    JsonElement tree;
    try {
      tree = JsonParser.parseReader(new JsonReader(new StringReader(text)));
    } catch (JsonParseException e) {
      return new Decoded.Malformed(id, syntaxError(e));
    } catch (RuntimeException | StackOverflowError e) {
      return new Decoded.Malformed(id, "malformed JSON: nested too deeply");
    }
    if (text.isBlank()) {
      return new Decoded.Malformed(id, "malformed JSON: the frame is empty");
    }
    if (!tree.isJsonObject()) {
      return new Decoded.Malformed(id, "invalid frame: a frame must be a JSON object");
    }
    Optional<String> conflict = OneofConflicts.inJson(tree);
    if (conflict.isPresent()) {
      return new Decoded.Invalid(id, conflict.get());
    }
    return new Decoded.Malformed(id, "invalid frame: " + schemaError(message));
  }

  /** "malformed JSON at line 1 column 12: unterminated object", from Gson's exception. */
  private static String syntaxError(JsonParseException e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    String message = String.valueOf(cause.getMessage());
    Matcher at = POSITION.matcher(message);
    boolean located = at.find();
    String where = located ? " at line " + at.group(1) + " column " + at.group(2) : "";
    String what = located ? message.substring(0, at.start()) : "";
    if (cause instanceof java.io.EOFException || what.startsWith("End of input")) {
      what = "unexpected end of input";
    } else if (cause instanceof NumberFormatException) {
      what = "an invalid \\u escape or number"; // Gson's message is the offending input
    } else if (DESCRIPTION.matcher(what).matches() && !INTERNAL.matcher(what).find()) {
      what = what.substring(0, 1).toLowerCase(Locale.ROOT) + what.substring(1);
    } else {
      what = "syntax error";
    }
    return "malformed JSON" + where + ": " + what;
  }

  /** What Gson says went wrong, when it is words ("Unterminated object", "Expected ':'"). */
  private static final Pattern DESCRIPTION = Pattern.compile("[A-Z][A-Za-z ]{2,40}( '.')?");

  /** JsonFormat's reason for JSON that does not fit the schema, if it names no internals. */
  private static String schemaError(String message) {
    int newline = message.indexOf('\n');
    String first = newline < 0 ? message : message.substring(0, newline);
    if (first.isBlank() || INTERNAL.matcher(first).find()) {
      return "the JSON does not match a warbler.v1 ClientFrame";
    }
    return clip(first);
  }

  /**
   * At most 200 characters on one line: input echoed by a reason is cut (a quoted value cut short
   * keeps its closing quote) and its control characters hidden.
   */
  private static String clip(String s) {
    String line = s.replaceAll("\\p{Cntrl}", "?");
    if (line.length() <= 200) {
      return line;
    }
    String cut = line.substring(0, 200);
    boolean open = false;
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      if (c == '\\') {
        if (i == cut.length() - 1) {
          cut = cut.substring(0, i); // half an escape
        }
        i++;
      } else if (c == '"') {
        open = !open;
      }
    }
    return cut + (open ? "...\"" : "...");
  }

  @Override
  public String requestId(byte[] wire) {
    return requestIdOf(new String(wire, StandardCharsets.UTF_8));
  }

  /**
   * The top-level {@code "id"} of a JSON frame (a string, or a number as JsonFormat takes it), read
   * with a streaming reader that skips every other value; the id found before a syntax error
   * counts.
   */
  static String requestIdOf(String text) {
    String id = "";
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setLenient(true); // as JsonFormat reads frames
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        return "";
      }
      reader.beginObject();
      while (reader.hasNext()) {
        String name = reader.nextName();
        if (!name.equals("id")) {
          reader.skipValue();
          continue;
        }
        // Whatever JsonFormat turns into the string field (a null leaves it empty).
        switch (reader.peek()) {
          case STRING, NUMBER -> id = reader.nextString();
          case BOOLEAN -> id = String.valueOf(reader.nextBoolean());
          case NULL -> {
            reader.nextNull();
            id = "";
          }
          default -> reader.skipValue();
        }
      }
      return id;
    } catch (IOException | RuntimeException e) {
      return id;
    }
  }

  @Override
  public byte[] encodeServer(ServerFrame frame) {
    return print(frame);
  }

  @Override
  public byte[] encodeClient(ClientFrame frame) {
    return print(frame);
  }

  @Override
  public ServerFrame decodeServer(byte[] wire) {
    try {
      ServerFrame.Builder builder = ServerFrame.newBuilder();
      parser.merge(new String(wire, StandardCharsets.UTF_8), builder);
      return builder.build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("invalid server frame: " + e.getMessage(), e);
    }
  }

  private byte[] print(com.google.protobuf.MessageOrBuilder message) {
    try {
      return printer.print(message).getBytes(StandardCharsets.UTF_8);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("frame not printable as JSON", e);
    }
  }
}
