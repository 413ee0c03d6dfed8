package dev.warbler.protocol;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code warbler.v1.proto}: protobuf binary encoding, one frame per binary message. Two members of
 * one oneof in a frame (the parser would keep the last silently) are {@link Decoded.Invalid};
 * undecodable bytes are "malformed protobuf: what". Error messages the server sends name fields as
 * the {@code .proto} file does ({@link FieldNames#toProto}).
 */
public final class ProtoFrameCodec implements FrameCodec {
  public static final ProtoFrameCodec INSTANCE = new ProtoFrameCodec();

  /** The tag of {@code ClientFrame.id}: field 1, length-delimited. */
  private static final int ID_TAG =
      (ClientFrame.ID_FIELD_NUMBER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private ProtoFrameCodec() {}

  @Override
  public Decoded decodeClient(byte[] wire) {
    ClientFrame frame;
    try {
      frame = ClientFrame.parseFrom(wire);
    } catch (InvalidProtocolBufferException e) {
      return new Decoded.Malformed(requestId(wire), "malformed protobuf: " + reason(e));
    }
    Optional<String> conflict = OneofConflicts.inProto(wire);
    return conflict.isPresent()
        ? new Decoded.Invalid(frame.getId(), conflict.get())
        : new Decoded.Frame(frame);
  }

  /** The parser's complaint in words that name no class of it. */
  private static String reason(InvalidProtocolBufferException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("ended unexpectedly") || m.contains("truncated")) {
      return "the input ends in the middle of a field";
    }
    if (m.contains("invalid tag")) {
      return "a field has number 0";
    }
    if (m.contains("end-group tag")) {
      return "an end-group tag does not match its start";
    }
    if (m.contains("wire type")) {
      return "a field has an invalid wire type";
    }
    if (m.contains("malformed varint")) {
      return "a varint is longer than 10 bytes";
    }
    if (m.contains("negative size")) {
      return "a length is negative";
    }
    if (m.contains("levels of nesting")) {
      return "nested too deeply";
    }
    if (m.contains("UTF-8")) {
      return "a string field is not valid UTF-8";
    }
    if (m.contains("too large")) {
      return "a length is larger than the frame";
    }
    return "the bytes are not a warbler.v1 ClientFrame";
  }

  @Override
  public String requestId(byte[] wire) {
    String id = "";
    try {
      CodedInputStream in = CodedInputStream.newInstance(wire);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return id;
        }
        if (tag == ID_TAG) {
          id = in.readStringRequireUtf8();
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException | RuntimeException e) {
      return id;
    }
  }

  @Override
  public byte[] encodeServer(ServerFrame frame) {
    if (frame.hasError()) {
      String message = frame.getError().getMessage();
      String proto = FieldNames.toProto(message);
      if (!proto.equals(message)) {
        return frame.toBuilder()
            .setError(frame.getError().toBuilder().setMessage(proto))
            .build()
            .toByteArray();
      }
    }
    return frame.toByteArray();
  }

  @Override
  public byte[] encodeClient(ClientFrame frame) {
    return frame.toByteArray();
  }

  @Override
  public ServerFrame decodeServer(byte[] wire) {
    try {
      return ServerFrame.parseFrom(wire);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("invalid server frame: " + e.getMessage(), e);
    }
  }
}
