package dev.warbler.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code warbler.v1.json}: the proto3 JSON mapping, one frame per UTF-8 text message. Unknown
 * fields are ignored so that a frame type this server does not know decodes to a frame with no
 * body, answered with {@link ErrorCode#UNKNOWN_FRAME} rather than a parse error.
 */
public final class JsonFrameCodec implements FrameCodec {
  public static final JsonFrameCodec INSTANCE = new JsonFrameCodec();

  private static final Pattern REQUEST_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"\\\\]{1,64})\"");

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
      return new Decoded.Malformed(requestIdOf(text), "invalid JSON frame: " + reasonOf(e));
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

  private static String requestIdOf(String text) {
    Matcher m = REQUEST_ID.matcher(text.length() > 4096 ? text.substring(0, 4096) : text);
    return m.find() ? m.group(1) : "";
  }

  private static String reasonOf(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    String first = newline < 0 ? message : message.substring(0, newline);
    return first.length() > 200 ? first.substring(0, 200) : first;
  }
}
