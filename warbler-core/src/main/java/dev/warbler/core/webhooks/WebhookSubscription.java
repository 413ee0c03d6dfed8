package dev.warbler.core.webhooks;

import java.util.List;

/**
 * An app's subscription: events of the listed types (or every type: {@code "*"}) are posted to
 * {@code url}, signed with {@code secret}. After a rotation the previous secret also signs until
 * {@code previousSecretUntil} (epoch millis; 0: none), so a receiver can switch without losing
 * deliveries. {@code failures} counts consecutive failed deliveries; past the configured threshold
 * the subscription is disabled with {@code disabledReason}.
 */
public record WebhookSubscription(
    String app,
    String id,
    String url,
    List<String> events,
    boolean enabled,
    String description,
    String secret,
    String previousSecret,
    long previousSecretUntil,
    int failures,
    String disabledReason,
    long createdAt,
    long updatedAt) {

  public WebhookSubscription {
    events = List.copyOf(events);
  }

  /** Whether an event of {@code type} goes to this subscription (enabled or not). */
  public boolean wants(String type) {
    return events.contains(WebhookEvents.ALL) || events.contains(type);
  }

  /** The secrets that sign a delivery now: the current one, then the previous one in its grace. */
  public List<String> signingSecrets(long now) {
    return previousSecret.isEmpty() || now >= previousSecretUntil
        ? List.of(secret)
        : List.of(secret, previousSecret);
  }
}
