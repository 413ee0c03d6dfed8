package dev.warbler.server;

import dev.warbler.core.audit.Audit;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.spi.WebhookStore;
import dev.warbler.core.webhooks.BeforeSendHooks;
import dev.warbler.core.webhooks.WebhookDispatcher;
import dev.warbler.core.webhooks.WebhookLimits;
import dev.warbler.core.webhooks.Webhooks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks on this node, wired from {@link Settings} ({@code webhooks.*}, {@code
 * hooks.before-send.*}): the service (REST and the origin observer that fills the outbox), the
 * before-send hooks (checked by the {@link Messenger} on users' sends) and the dispatcher, drained
 * by one daemon thread ({@code webhook-dispatcher}) that passes again at once after a full batch
 * and otherwise every {@code webhooks.poll-ms}. Metrics: {@code warbler.webhook.deliveries} by
 * outcome, {@code warbler.webhook.latency}, {@code warbler.webhook.queue} (pending deliveries in
 * the store).
 */
final class WebhookWiring implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookWiring.class);

  private final Webhooks webhooks;
  private final BeforeSendHooks beforeSend;
  private final WebhookDispatcher dispatcher;
  private final Thread thread;
  private volatile boolean running = true;

  private WebhookWiring(
      Webhooks webhooks,
      BeforeSendHooks beforeSend,
      WebhookDispatcher dispatcher,
      long pollMillis) {
    this.webhooks = webhooks;
    this.beforeSend = beforeSend;
    this.dispatcher = dispatcher;
    this.thread =
        Thread.ofPlatform().name("webhook-dispatcher").daemon().unstarted(() -> loop(pollMillis));
  }

  static WebhookLimits limits(Settings settings) {
    return new WebhookLimits(
        settings.integer(Setting.WEBHOOKS_MAX_SUBSCRIPTIONS),
        2048,
        settings.bool(Setting.WEBHOOKS_ALLOW_HTTP),
        settings.integer(Setting.WEBHOOKS_MAX_ATTEMPTS),
        Duration.ofSeconds(settings.integer(Setting.WEBHOOKS_MAX_AGE_SECONDS)),
        Duration.ofMillis(settings.integer(Setting.WEBHOOKS_BACKOFF_BASE_MS)),
        Duration.ofSeconds(settings.integer(Setting.WEBHOOKS_BACKOFF_MAX_SECONDS)),
        settings.integer(Setting.WEBHOOKS_DISABLE_AFTER_FAILURES),
        Duration.ofSeconds(settings.integer(Setting.WEBHOOKS_SECRET_GRACE_SECONDS)),
        Duration.ofSeconds(settings.integer(Setting.WEBHOOKS_LEASE_SECONDS)),
        settings.integer(Setting.WEBHOOKS_BATCH),
        Duration.ofSeconds(settings.integer(Setting.WEBHOOKS_CACHE_SECONDS)));
  }

  static HttpWebhookTransport transport(Settings settings) {
    int timeout = settings.integer(Setting.WEBHOOKS_TIMEOUT_MS);
    int connect = settings.integer(Setting.WEBHOOKS_CONNECT_TIMEOUT_MS);
    int maxResponse = settings.integer(Setting.WEBHOOKS_MAX_RESPONSE_BYTES);
    if (timeout <= 0 || connect <= 0 || maxResponse < 0) {
      throw new IllegalArgumentException(
          "webhooks.timeout-ms and webhooks.connect-timeout-ms must be positive and"
              + " webhooks.max-response-bytes not negative but were "
              + timeout
              + ", "
              + connect
              + " and "
              + maxResponse);
    }
    return new HttpWebhookTransport(
        new WebhookTargets(
            settings.bool(Setting.WEBHOOKS_ALLOW_HTTP),
            settings.list(Setting.WEBHOOKS_ALLOWED_NETWORKS)),
        Duration.ofMillis(connect),
        Duration.ofMillis(timeout),
        maxResponse);
  }

  /** Wires and starts the dispatcher; the service observes every message stored through here. */
  static WebhookWiring start(
      Settings settings,
      WebhookStore store,
      Publisher publisher,
      Messenger messenger,
      AtRestEncryption encryption,
      Audit audit,
      InstantSource clock,
      MeterRegistry meters) {
    WebhookLimits limits = limits(settings);
    int poll = settings.integer(Setting.WEBHOOKS_POLL_MS);
    if (poll <= 0) {
      throw new IllegalArgumentException("webhooks.poll-ms must be positive but was " + poll);
    }
    if (limits.lease().toMillis() <= settings.integer(Setting.WEBHOOKS_TIMEOUT_MS)) {
      throw new IllegalArgumentException(
          "webhooks.lease-seconds must exceed webhooks.timeout-ms, or a slow attempt is repeated");
    }
    HttpWebhookTransport transport = transport(settings);
    Webhooks webhooks =
        new Webhooks(
            store,
            transport,
            clock,
            limits,
            app -> encryption.status(app).enabled(),
            Executors.newVirtualThreadPerTaskExecutor());
    publisher.onOrigin(webhooks::stored);
    messenger.useOutbox(webhooks::outbox);
    BeforeSendHooks beforeSend =
        new BeforeSendHooks(
            store,
            transport,
            clock,
            limits,
            settings.integer(Setting.HOOKS_BEFORE_SEND_TIMEOUT_MS),
            settings.integer(Setting.HOOKS_BEFORE_SEND_MAX_ANSWER_BYTES),
            Executors.newVirtualThreadPerTaskExecutor());
    messenger.useBeforeSend(beforeSend);
    Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    Timer latency =
        Timer.builder("warbler.webhook.latency")
            .description("Time of one webhook request, from connecting to the answer")
            .register(meters);
    WebhookDispatcher dispatcher =
        new WebhookDispatcher(
            store,
            transport,
            clock,
            limits,
            audit,
            (outcome, nanos) -> {
              outcomes
                  .computeIfAbsent(
                      outcome,
                      o ->
                          Counter.builder("warbler.webhook.deliveries")
                              .description("Webhook delivery attempts by outcome")
                              .tag("outcome", o)
                              .register(meters))
                  .increment();
              latency.record(nanos, TimeUnit.NANOSECONDS);
            });
    Gauge.builder("warbler.webhook.queue", store, WebhookStore::pending)
        .description("Webhook deliveries waiting for an attempt (whole store)")
        .register(meters);
    WebhookWiring wiring = new WebhookWiring(webhooks, beforeSend, dispatcher, poll);
    wiring.thread.start();
    return wiring;
  }

  Webhooks webhooks() {
    return webhooks;
  }

  BeforeSendHooks beforeSend() {
    return beforeSend;
  }

  private void loop(long pollMillis) {
    while (running) {
      try {
        int claimed = dispatcher.drain();
        if (claimed < webhooks.limits().batch()) {
          Thread.sleep(pollMillis);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("webhook dispatcher pass failed: {}", e.toString());
        try {
          Thread.sleep(pollMillis);
        } catch (InterruptedException i) {
          return;
        }
      }
    }
  }

  /** Stops the dispatcher; attempts under way finish (their leases keep them from others). */
  @Override
  public void close() {
    running = false;
    dispatcher.close();
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
