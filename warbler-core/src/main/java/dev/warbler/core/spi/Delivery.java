package dev.warbler.core.spi;

import dev.warbler.core.messaging.ChatMessage;
import java.util.List;

/**
 * A durable message on its way to the online devices of {@code recipients} (topic: each
 * recipient's). A group message names no recipients (topic: the group's): each node delivers it to
 * the members it has online, so a delivery's size never grows with the group. A delivery in a group
 * conversation that does name recipients (a delete-for-me tombstone, for its user only) reaches
 * exactly those users.
 */
public record Delivery(ChatMessage message, List<String> recipients) implements Event {
  @Override
  public String app() {
    return message.app();
  }
}
