package dev.warbler.server;

import java.util.Map;

/** {@link WebhookEndToEnd} on the embedded store. */
class WebhookDeliveryTest extends WebhookEndToEnd {
  @Override
  Map<Setting, String> storeSettings() {
    return Map.of();
  }
}
