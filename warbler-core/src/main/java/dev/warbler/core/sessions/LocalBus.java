package dev.warbler.core.sessions;

import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.Delivery;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The single-node bus: hands each delivery to every subscriber on the publishing thread. */
public final class LocalBus implements Bus {
  private static final Logger log = LoggerFactory.getLogger(LocalBus.class);
  private final List<Consumer<Delivery>> subscribers = new CopyOnWriteArrayList<>();

  @Override
  public void publish(Delivery delivery) {
    for (Consumer<Delivery> s : subscribers) {
      try {
        s.accept(delivery);
      } catch (RuntimeException e) {
        log.warn("delivery subscriber failed for {}", delivery.message().conversation(), e);
      }
    }
  }

  @Override
  public void subscribe(Consumer<Delivery> subscriber) {
    subscribers.add(subscriber);
  }

  @Override
  public void close() {
    subscribers.clear();
  }
}
