package dev.warbler.core.spi;

import java.util.List;

/**
 * Which nodes hold connections of which user: the cluster-wide answer to "is this user online".
 * Each node reports its own users ({@link #add} when a user gets its first connection on the node,
 * {@link #remove} when it loses its last); the answers say whether the user's cluster-wide state
 * changed, so exactly one node announces each transition.
 *
 * <p>Thread-safe; calls never block on I/O for long (implementations over a network keep a local
 * view).
 */
public interface PresenceRegistry {

  /**
   * Records that {@code node} holds connections of the user. The transition, when the user had no
   * node before (it just came online), else {@link Transition#NONE}.
   */
  Transition add(String app, String user, String node);

  /**
   * Records that {@code node} holds no connection of the user any more. The transition, when no
   * node is left (the user just went offline), else {@link Transition#NONE}.
   */
  Transition remove(String app, String user, String node);

  /** Whether some node holds a connection of the user. */
  boolean online(String app, String user);

  /**
   * Mends what failures left behind; each node calls it every few seconds. It drops the users of
   * nodes that stopped without removing them (kill -9, a lost host, a network cut longer than the
   * registry's node timeout) and returns the offline transitions this call caused: of nodes
   * repairing at once, exactly one reports each. {@link Repair#reassert} tells the calling node
   * that the cluster took it for dead meanwhile (a pause longer than the timeout), so its users may
   * have been dropped: it must {@link #add} them again. A registry inside one process never loses a
   * node without knowing: nothing to repair (the default).
   */
  default Repair repair() {
    return Repair.NOTHING;
  }

  /** What {@link #repair} did: users gone offline with their dead nodes, and whether to re-add. */
  record Repair(List<Departed> offline, boolean reassert) {
    public static final Repair NOTHING = new Repair(List.of(), false);

    public Repair {
      offline = List.copyOf(offline);
    }
  }

  /** A user whose last node was found dead; {@code transition} is its offline transition. */
  record Departed(String app, String user, Transition transition) {}

  /**
   * A change of a user's cluster-wide online state. {@code version} increases with every transition
   * of one user, so a node that hears of two transitions out of order keeps the later one.
   */
  record Transition(boolean changed, boolean online, long version) {
    public static final Transition NONE = new Transition(false, false, 0);
  }
}
