package dev.warbler.protocol;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ServerFrame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the seed corpus of {@link FrameCodecFuzzTest}: one valid frame per kind (every oneof
 * choice, nested ones included, with every other field set), in both encodings. Not a test; rerun
 * it when the schema grows: {@code java -cp ... dev.warbler.protocol.FuzzSeedWriter
 * src/test/resources/dev/warbler/protocol/FrameCodecFuzzTestInputs}.
 */
public final class FuzzSeedWriter {
  private FuzzSeedWriter() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]);
    write(root, "Client", variants(ClientFrame.getDescriptor(), ClientFrame.newBuilder(), 0));
    write(root, "Server", variants(ServerFrame.getDescriptor(), ServerFrame.newBuilder(), 0));
  }

  private static void write(Path root, String side, List<Message> frames) throws IOException {
    Path json = Files.createDirectories(root.resolve("json" + side + "Frames"));
    Path proto = Files.createDirectories(root.resolve("proto" + side + "Frames"));
    for (Message frame : frames) {
      String name = seedName(frame);
      Encoding codec = Encoding.JSON;
      byte[] jsonBytes =
          frame instanceof ClientFrame c
              ? codec.codec().encodeClient(c)
              : codec.codec().encodeServer((ServerFrame) frame);
      Files.write(json.resolve(name + ".json"), jsonBytes);
      Files.write(proto.resolve(name + ".bin"), frame.toByteArray());
    }
  }

  /** The body's name and, for a body with its own oneof, the chosen option. */
  private static String seedName(Message frame) {
    StringBuilder name = new StringBuilder("valid");
    Message m = frame;
    for (int depth = 0; depth < 3; depth++) {
      Message next = null;
      for (OneofDescriptor o : m.getDescriptorForType().getOneofs()) {
        FieldDescriptor f = m.getOneofFieldDescriptor(o);
        if (f != null) {
          name.append('-').append(f.getName());
          if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            next = (Message) m.getField(f);
          }
        }
      }
      if (next == null) {
        break;
      }
      m = next;
    }
    return name.toString();
  }

  /** One message per option of each oneof (the others at their first option), fields all set. */
  private static List<Message> variants(Descriptor d, Message.Builder base, int depth) {
    List<Message> out = new ArrayList<>();
    List<OneofDescriptor> oneofs = d.getOneofs();
    if (oneofs.isEmpty()) {
      out.add(filled(d, base.clone(), depth, List.of()).build());
      return out;
    }
    for (OneofDescriptor varied : oneofs) {
      for (FieldDescriptor choice : varied.getFields()) {
        List<FieldDescriptor> chosen = new ArrayList<>();
        for (OneofDescriptor o : oneofs) {
          chosen.add(o == varied ? choice : o.getField(0));
        }
        if (choice.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth < 2) {
          for (Message inner :
              variants(
                  choice.getMessageType(), base.clone().newBuilderForField(choice), depth + 1)) {
            Message.Builder b = filled(d, base.clone(), depth, chosen);
            b.setField(choice, inner);
            out.add(b.build());
          }
        } else {
          out.add(filled(d, base.clone(), depth, chosen).build());
        }
      }
    }
    return out;
  }

  private static Message.Builder filled(
      Descriptor d, Message.Builder b, int depth, List<FieldDescriptor> chosen) {
    for (FieldDescriptor f : d.getFields()) {
      if (f.getRealContainingOneof() != null && !chosen.contains(f)) {
        continue;
      }
      Object v = sample(f, b, depth);
      if (v == null) {
        continue;
      }
      if (f.isRepeated()) {
        b.addRepeatedField(f, v);
      } else {
        b.setField(f, v);
      }
    }
    return b;
  }

  private static Object sample(FieldDescriptor f, Message.Builder b, int depth) {
    String n = f.getName();
    return switch (f.getJavaType()) {
      case STRING -> {
        if (n.equals("id")) {
          yield "r-1";
        } else if (n.contains("conversation")) {
          yield "d:alice:bob";
        } else if (n.equals("payload") || n.equals("custom")) {
          yield "{\"k\":[1,\"v\"]}";
        } else if (n.equals("token")) {
          yield "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImFwcCI6ImFjbWUiLCJleHAiOjQxMDI0NDQ4MDB9."
              + "c2lnbmF0dXJl";
        } else if (n.equals("text") || n.equals("message") || n.equals("reason")) {
          yield "héllo 你好";
        } else {
          yield "bob";
        }
      }
      case INT -> 7;
      case LONG -> 42L;
      case BOOLEAN -> true;
      case ENUM ->
          f.getEnumType().getValues().get(Math.min(1, f.getEnumType().getValues().size() - 1));
      case MESSAGE -> {
        if (depth >= 3 || f.getRealContainingOneof() != null) {
          yield null;
        }
        List<Message> inner = variants(f.getMessageType(), b.newBuilderForField(f), depth + 1);
        yield inner.get(0);
      }
      case FLOAT -> 1.5f;
      case DOUBLE -> 2.5d;
      case BYTE_STRING -> com.google.protobuf.ByteString.copyFromUtf8("bytes");
    };
  }
}
