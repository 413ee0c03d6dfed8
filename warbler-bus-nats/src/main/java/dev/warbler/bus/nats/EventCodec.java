package dev.warbler.bus.nats;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.groups.GroupUpdate;
import dev.warbler.core.groups.InvitePolicy;
import dev.warbler.core.groups.JoinPolicy;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.state.StateEvent;
import java.io.IOException;
import java.util.List;

/**
 * Turns {@link Event}s into bytes and back: CBOR (binary JSON) of the records as they are. Each
 * value of a sealed interface carries its kind as {@code "@k"} = the record's simple name, and only
 * the permitted records of that interface are accepted, so a message names no Java class. Unknown
 * properties are ignored, so a node can read what a newer node adds. Thread-safe.
 */
final class EventCodec {
  /** The sealed interfaces whose values travel: each value says which record it is. */
  private static final List<Class<?>> SEALED =
      List.of(
          Event.class,
          GroupChange.class,
          StateEvent.class,
          RoomEvent.class,
          MessageChange.Action.class);

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "@k")
  private interface Kinded {}

  private final ObjectMapper mapper;

  EventCodec() {
    SimpleModule module = new SimpleModule("warbler-events");
    module.addSerializer(GroupUpdate.class, new GroupUpdateSerializer());
    module.addDeserializer(GroupUpdate.class, new GroupUpdateDeserializer());
    CBORMapper m =
        CBORMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(module)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();
    for (Class<?> sealed : SEALED) {
      m.addMixIn(sealed, Kinded.class);
      for (Class<?> kind : sealed.getPermittedSubclasses()) {
        m.registerSubtypes(new NamedType(kind, kind.getSimpleName()));
      }
    }
    this.mapper = m;
  }

  byte[] encode(Event event) {
    try {
      return mapper.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + event.getClass().getSimpleName(), e);
    }
  }

  /** The event in {@code bytes}; IllegalArgumentException when they hold none. */
  Event decode(byte[] bytes) {
    try {
      return mapper.readValue(bytes, Event.class);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not an event (" + bytes.length + " bytes): " + e, e);
    }
  }

  /** A group update has only the fields it sets: write those. */
  private static final class GroupUpdateSerializer extends StdSerializer<GroupUpdate> {
    GroupUpdateSerializer() {
      super(GroupUpdate.class);
    }

    @Override
    public void serialize(GroupUpdate u, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeStartObject();
      if (u.name().isPresent()) {
        gen.writeStringField("name", u.name().get());
      }
      if (u.avatarUrl().isPresent()) {
        gen.writeStringField("avatarUrl", u.avatarUrl().get());
      }
      if (u.description().isPresent()) {
        gen.writeStringField("description", u.description().get());
      }
      if (u.custom().isPresent()) {
        gen.writeStringField("custom", u.custom().get());
      }
      if (u.muteAll().isPresent()) {
        gen.writeBooleanField("muteAll", u.muteAll().get());
      }
      if (u.joinPolicy().isPresent()) {
        gen.writeStringField("joinPolicy", u.joinPolicy().get().name());
      }
      if (u.invitePolicy().isPresent()) {
        gen.writeStringField("invitePolicy", u.invitePolicy().get().name());
      }
      gen.writeEndObject();
    }
  }

  private static final class GroupUpdateDeserializer extends StdDeserializer<GroupUpdate> {
    GroupUpdateDeserializer() {
      super(GroupUpdate.class);
    }

    @Override
    public GroupUpdate deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      JsonNode n = p.readValueAsTree();
      GroupUpdate.Builder b = GroupUpdate.builder();
      if (n.hasNonNull("name")) {
        b.name(n.get("name").asText());
      }
      if (n.hasNonNull("avatarUrl")) {
        b.avatarUrl(n.get("avatarUrl").asText());
      }
      if (n.hasNonNull("description")) {
        b.description(n.get("description").asText());
      }
      if (n.hasNonNull("custom")) {
        b.custom(n.get("custom").asText());
      }
      if (n.hasNonNull("muteAll")) {
        b.muteAll(n.get("muteAll").asBoolean());
      }
      if (n.hasNonNull("joinPolicy")) {
        b.joinPolicy(JoinPolicy.valueOf(n.get("joinPolicy").asText()));
      }
      if (n.hasNonNull("invitePolicy")) {
        b.invitePolicy(InvitePolicy.valueOf(n.get("invitePolicy").asText()));
      }
      return b.build();
    }
  }
}
