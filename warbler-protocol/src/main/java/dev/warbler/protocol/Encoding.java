package dev.warbler.protocol;

import java.util.Arrays;
import java.util.Optional;

/** The two wire encodings, each named by its WebSocket subprotocol. */
public enum Encoding {
  JSON("warbler.v1.json", true),
  PROTO("warbler.v1.proto", false);

  private final String subprotocol;
  private final boolean text;

  Encoding(String subprotocol, boolean text) {
    this.subprotocol = subprotocol;
    this.text = text;
  }

  public String subprotocol() {
    return subprotocol;
  }

  /** True when frames travel as WebSocket text frames. */
  public boolean text() {
    return text;
  }

  public FrameCodec codec() {
    return switch (this) {
      case JSON -> JsonFrameCodec.INSTANCE;
      case PROTO -> ProtoFrameCodec.INSTANCE;
    };
  }

  public static Optional<Encoding> ofSubprotocol(String name) {
    return Arrays.stream(values()).filter(e -> e.subprotocol.equals(name)).findFirst();
  }
}
