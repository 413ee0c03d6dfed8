package dev.warbler.core.spi;

/**
 * Where an {@link Event} goes on the {@link Bus}. A node subscribes to the topics it has interest
 * in: the users it holds connections for, the groups those users are members of, the chatrooms
 * loaded for present connections, and {@link #nodes()}, which every node subscribes to (changes
 * every node's caches must see). Equal topics name the same subject on every node.
 */
public record Topic(Kind kind, String app, String id) {
  /** What a topic is about. */
  public enum Kind {
    /** One user of one app: deliveries and signals for its connections. */
    USER,
    /** One group of one app: messages and signals for its members online. */
    GROUP,
    /** One chatroom of one app: its messages and its closing. */
    ROOM,
    /** Every node: cache invalidations, access and membership changes, presence, commands. */
    NODES,
    /** Work for exactly one consumer in the cluster (with a queue subscription). */
    WORK
  }

  private static final Topic NODES = new Topic(Kind.NODES, "", "");

  public static Topic user(String app, String user) {
    return new Topic(Kind.USER, app, user);
  }

  public static Topic group(String app, String group) {
    return new Topic(Kind.GROUP, app, group);
  }

  public static Topic room(String app, String room) {
    return new Topic(Kind.ROOM, app, room);
  }

  /** The topic every node subscribes to. */
  public static Topic nodes() {
    return NODES;
  }

  /** A named stream of work, e.g. {@code work("webhooks")}, for queue subscribers. */
  public static Topic work(String name) {
    return new Topic(Kind.WORK, "", name);
  }
}
