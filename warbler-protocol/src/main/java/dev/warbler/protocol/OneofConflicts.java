package dev.warbler.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.WireFormat;
import dev.warbler.protocol.v1.ClientFrame;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds two members of one {@code oneof} set in a client frame, which the schema cannot hold: the
 * JSON parser refuses it as unparseable and the binary parser keeps the last one silently. Both are
 * answered INVALID_ARGUMENT naming the two fields, as the client's encoding names them.
 */
final class OneofConflicts {
  /** Nesting beyond this is not looked into (the schema nests a few levels). */
  private static final int MAX_DEPTH = 32;

  private OneofConflicts() {}

  /** The first conflict in a parsed JSON frame, fields by their JSON names. */
  static Optional<String> inJson(JsonElement frame) {
    return Optional.ofNullable(json(frame, ClientFrame.getDescriptor(), "", 0));
  }

  /**
   * The first conflict in a binary frame that parsed, fields by their proto names; empty when there
   * is none (or the bytes turn out not to scan).
   */
  static Optional<String> inProto(byte[] wire) {
    try {
      Descriptor frame = ClientFrame.getDescriptor();
      return Optional.ofNullable(
          proto(CodedInputStream.newInstance(wire), frame, new Seen(frame), "", 0));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String json(JsonElement element, Descriptor type, String owner, int depth) {
    if (!(element instanceof JsonObject object) || depth > MAX_DEPTH) {
      return null;
    }
    Map<String, FieldDescriptor> byName = byJsonOrProtoName(type);
    FieldDescriptor[] seen = new FieldDescriptor[type.getOneofs().size()];
    for (Map.Entry<String, JsonElement> member : object.entrySet()) {
      FieldDescriptor field = byName.get(member.getKey());
      if (field == null || member.getValue().isJsonNull()) {
        continue; // unknown fields and nulls are ignored, as the parser does
      }
      String conflict = conflict(seen, field, owner, FieldDescriptor::getJsonName);
      if (conflict != null) {
        return conflict;
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        String inner;
        if (member.getValue() instanceof JsonArray array) {
          inner = null;
          for (JsonElement item : array) {
            inner = json(item, field.getMessageType(), field.getJsonName(), depth + 1);
            if (inner != null) {
              break;
            }
          }
        } else {
          inner = json(member.getValue(), field.getMessageType(), field.getJsonName(), depth + 1);
        }
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }

  /**
   * What has been set in one message so far. A singular message field that occurs again is merged
   * into the first occurrence by the parser, so its state carries over; each element of a repeated
   * field is a message of its own.
   */
  private static final class Seen {
    final FieldDescriptor[] oneofs;
    final Map<Integer, Seen> children = new java.util.HashMap<>();

    Seen(Descriptor type) {
      this.oneofs = new FieldDescriptor[type.getOneofs().size()];
    }
  }

  private static String proto(
      CodedInputStream in, Descriptor type, Seen seen, String owner, int depth) throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return null;
      }
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      if (field == null) {
        in.skipField(tag);
        continue;
      }
      String conflict = conflict(seen.oneofs, field, owner, FieldDescriptor::getName);
      if (conflict != null) {
        return conflict;
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED
          && depth < MAX_DEPTH) {
        Descriptor inner = field.getMessageType();
        Seen child =
            field.isRepeated()
                ? new Seen(inner)
                : seen.children.computeIfAbsent(field.getNumber(), n -> new Seen(inner));
        int limit = in.pushLimit(in.readRawVarint32());
        String found = proto(in, inner, child, field.getName(), depth + 1);
        if (found != null) {
          return found;
        }
        in.skipRawBytes(in.getBytesUntilLimit());
        in.popLimit(limit);
      } else {
        in.skipField(tag);
      }
    }
  }

  /** Records {@code field} as set; the message when another member of its oneof was set first. */
  private static String conflict(
      FieldDescriptor[] seen,
      FieldDescriptor field,
      String owner,
      Function<FieldDescriptor, String> name) {
    OneofDescriptor oneof = field.getRealContainingOneof();
    if (oneof == null) {
      return null;
    }
    FieldDescriptor first = seen[oneof.getIndex()];
    seen[oneof.getIndex()] = field;
    if (first == null || first == field) {
      return null;
    }
    String both = name.apply(first) + " and " + name.apply(field);
    if (owner.isEmpty()) {
      return "a frame carries exactly one request but this one has " + both;
    }
    String members = oneof.getFields().stream().map(name).collect(Collectors.joining(", "));
    return owner + " takes exactly one of " + members + " but has " + both;
  }

  private static final Map<Descriptor, Map<String, FieldDescriptor>> NAMES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** A type's fields by JSON name and by proto name: the JSON parser accepts both. */
  private static Map<String, FieldDescriptor> byJsonOrProtoName(Descriptor type) {
    return NAMES.computeIfAbsent(
        type,
        t -> {
          Map<String, FieldDescriptor> names = new java.util.HashMap<>();
          for (FieldDescriptor f : t.getFields()) {
            names.put(f.getName(), f);
            names.put(f.getJsonName(), f);
          }
          return Map.copyOf(names);
        });
  }
}
