package dev.warbler.jmh;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.gateway.Frames;
import dev.warbler.protocol.Decoded;
import dev.warbler.protocol.FrameCodec;
import dev.warbler.protocol.JsonFrameCodec;
import dev.warbler.protocol.ProtoFrameCodec;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frame decode and encode in both encodings: the {@code send} frame a client sends (server decodes
 * it) and the pushed {@code message} frame (server encodes it once per delivery), each with a
 * 100-byte text.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
public class CodecBenchmark {

  @Param({"json", "proto"})
  public String encoding;

  private FrameCodec codec;
  private ClientFrame sendFrame;
  private byte[] sendWire;
  private dev.warbler.core.messaging.ChatMessage message;
  private ServerFrame messageFrame;
  private byte[] messageWire;

  @Setup
  public void setUp() {
    codec = encoding.equals("json") ? JsonFrameCodec.INSTANCE : ProtoFrameCodec.INSTANCE;
    sendFrame =
        ClientFrame.newBuilder()
            .setId("r-1842")
            .setSend(
                Send.newBuilder()
                    .setClientMsgId("c-8f14e45fceea167a5a36dedd4bea2543")
                    .setUser("bob")
                    .setType(MessageType.TEXT)
                    .setText(Samples.TEXT_100))
            .build();
    sendWire = codec.encodeClient(sendFrame);
    message = Samples.message(ConversationId.direct("alice", "bob"));
    messageFrame = Frames.pushed(message);
    messageWire = codec.encodeServer(messageFrame);
    if (!(codec.decodeClient(sendWire) instanceof Decoded.Frame)) {
      throw new IllegalStateException("the sample send frame does not decode");
    }
  }

  /** Server side: a client's {@code send} frame from wire bytes. */
  @Benchmark
  public Decoded decodeSend() {
    return codec.decodeClient(sendWire);
  }

  /** Client side: a {@code send} frame to wire bytes. */
  @Benchmark
  public byte[] encodeSend() {
    return codec.encodeClient(sendFrame);
  }

  /** Server side: a built {@code message} push to wire bytes. */
  @Benchmark
  public byte[] encodeMessage() {
    return codec.encodeServer(messageFrame);
  }

  /** Server side: a stored message to its push frame and wire bytes, as each delivery does. */
  @Benchmark
  public byte[] pushMessage() {
    return codec.encodeServer(Frames.pushed(message));
  }

  /** Client side: a pushed {@code message} frame from wire bytes. */
  @Benchmark
  public ServerFrame decodeMessage() {
    return codec.decodeServer(messageWire);
  }
}
