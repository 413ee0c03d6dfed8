package dev.warbler.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;

/** {@code warbler.v1.proto}: protobuf binary encoding, one frame per binary message. */
public final class ProtoFrameCodec implements FrameCodec {
  public static final ProtoFrameCodec INSTANCE = new ProtoFrameCodec();

  private ProtoFrameCodec() {}

  @Override
  public Decoded decodeClient(byte[] wire) {
    try {
      return new Decoded.Frame(ClientFrame.parseFrom(wire));
    } catch (InvalidProtocolBufferException e) {
      return new Decoded.Malformed("", "invalid protobuf: " + e.getMessage());
    }
  }

  @Override
  public byte[] encodeServer(ServerFrame frame) {
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
