package dev.warbler.core.cluster;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The core's one way out to the {@link Bus}: puts each {@link Event} on its topics (see the topic
 * named on each event kind) and tells the origin observers about every message stored here, so that
 * metering and the stored-messages metric count each message once in the cluster, where it
 * originated, however many nodes receive it. Thread-safe; never blocks (the bus does not).
 */
public final class Publisher {
  private final Bus bus;
  private final List<Consumer<Delivery>> origin = new CopyOnWriteArrayList<>();

  public Publisher(Bus bus) {
    this.bus = bus;
  }

  /** This node's id on the bus. */
  public String node() {
    return bus.node();
  }

  /**
   * Calls {@code observer} with every delivery of a message stored through this node (a group
   * change's event message included, with no recipients), before it is published; it must not
   * block. Wired once at startup (metering, metrics).
   */
  public void onOrigin(Consumer<Delivery> observer) {
    origin.add(observer);
  }

  public void publish(Event event) {
    switch (event) {
      case Delivery d -> {
        stored(d);
        if (d.message().conversation().kind() == ConversationId.Kind.GROUP
            && d.recipients().isEmpty()) {
          bus.publish(Topic.group(d.app(), d.message().conversation().first()), d);
        } else {
          toUsers(d.app(), d.recipients(), d);
        }
      }
      case Event.GroupChanged g -> {
        g.event().ifPresent(m -> stored(new Delivery(m, List.of())));
        bus.publish(Topic.nodes(), g);
      }
      case Event.Signal s -> {
        if (s.group().isEmpty()) {
          toUsers(s.app(), s.users(), s);
        } else {
          bus.publish(Topic.group(s.app(), s.group()), s);
        }
      }
      case Event.ContactSignal c -> toUsers(c.app(), c.users(), c);
      case Event.RoomSignal r -> bus.publish(Topic.room(r.app(), r.event().room()), r);
      default -> bus.publish(Topic.nodes(), event);
    }
  }

  private void stored(Delivery d) {
    for (Consumer<Delivery> o : origin) {
      o.accept(d);
    }
  }

  private void toUsers(String app, List<String> users, Event event) {
    for (String user : users) {
      bus.publish(Topic.user(app, user), event);
    }
  }
}
