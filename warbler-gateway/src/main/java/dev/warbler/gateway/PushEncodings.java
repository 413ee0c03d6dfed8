package dev.warbler.gateway;

import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.protocol.Encoding;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The wire bytes of pushed frames, encoded once per encoding and shared by every connection a
 * fan-out reaches. Thread-safe and lock-free: called on the store's writer (deliveries) and with a
 * chatroom locked (room events); a race only costs a second encoding.
 */
final class PushEncodings {
  /**
   * Recently encoded chatroom events, by room. A room's fan-out hands the same event to up to
   * {@code chatroom.max-present} connections in turn, so its encodings are computed once; several
   * rooms fanning out at once use different slots (a collision only costs a second encoding).
   */
  private static final int ROOM_PUSH_SLOTS = 64;

  private final AtomicReference<@Nullable EncodedPush> lastPush = new AtomicReference<>();
  private final AtomicReferenceArray<@Nullable EncodedRoomPush> roomPushes =
      new AtomicReferenceArray<>(ROOM_PUSH_SLOTS);

  /**
   * The wire bytes of the {@code message} frame for {@code m}. A delivery pushes the same message
   * to every online device of every member one after another, so the last message's encodings are
   * kept and each encoding is computed once per message instead of once per device.
   */
  byte[] message(ChatMessage m, Encoding encoding) {
    EncodedPush cached = lastPush.get();
    if (cached == null || cached.message != m) {
      cached = new EncodedPush(m);
      lastPush.set(cached);
    }
    return cached.bytes(encoding);
  }

  /** The wire bytes of the pushed frame for a chatroom event, encoded once per encoding. */
  byte[] room(RoomEvent event, Encoding encoding) {
    int slot = Math.floorMod(event.room().hashCode(), ROOM_PUSH_SLOTS);
    EncodedRoomPush cached = roomPushes.get(slot);
    if (cached == null || cached.event != event) {
      cached = new EncodedRoomPush(event);
      roomPushes.set(slot, cached);
    }
    return cached.bytes(encoding);
  }

  private static final class EncodedRoomPush {
    private final RoomEvent event;
    private volatile byte @Nullable [] json;
    private volatile byte @Nullable [] proto;

    EncodedRoomPush(RoomEvent event) {
      this.event = event;
    }

    byte[] bytes(Encoding encoding) {
      return switch (encoding) {
        case JSON -> {
          byte[] b = json;
          if (b == null) {
            b = encoding.codec().encodeServer(SocialFrames.pushed(event));
            json = b;
          }
          yield b;
        }
        case PROTO -> {
          byte[] b = proto;
          if (b == null) {
            b = encoding.codec().encodeServer(SocialFrames.pushed(event));
            proto = b;
          }
          yield b;
        }
      };
    }
  }

  /** Lazily encoded push frames of one message; a race only costs a second encoding. */
  private static final class EncodedPush {
    private final ChatMessage message;
    private volatile byte @Nullable [] json;
    private volatile byte @Nullable [] proto;

    EncodedPush(ChatMessage message) {
      this.message = message;
    }

    byte[] bytes(Encoding encoding) {
      return switch (encoding) {
        case JSON -> {
          byte[] b = json;
          if (b == null) {
            b = encoding.codec().encodeServer(Frames.pushed(message));
            json = b;
          }
          yield b;
        }
        case PROTO -> {
          byte[] b = proto;
          if (b == null) {
            b = encoding.codec().encodeServer(Frames.pushed(message));
            proto = b;
          }
          yield b;
        }
      };
    }
  }
}
