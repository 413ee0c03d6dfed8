package dev.warbler.core.messaging;

/** What a message body holds. Stored by its {@link #wire()} number, which never changes. */
public enum MessageType {
  TEXT(1),
  MARKDOWN(2),
  CUSTOM(3),
  SYSTEM(4),
  /**
   * An entry that records a change to an earlier message (recall, edit, reaction); made by {@link
   * MessageLifecycle}, never sent. See {@link MessageExtras#change()}.
   */
  CHANGE(5);

  private final int wire;

  MessageType(int wire) {
    this.wire = wire;
  }

  public int wire() {
    return wire;
  }

  public static MessageType ofWire(int wire) {
    for (MessageType t : values()) {
      if (t.wire == wire) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown message type " + wire);
  }
}
