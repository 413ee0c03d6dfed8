package dev.warbler.core.webhooks;

import dev.warbler.core.audit.Audit;
import dev.warbler.core.spi.WebhookStore;
import dev.warbler.core.spi.WebhookTransport;
import dev.warbler.core.spi.WebhookTransport.Outcome;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the outbox: each {@link #drain} pass claims the due deliveries (a lease keeps other nodes
 * off them), posts each from a virtual thread of its own, and settles it: 2xx delivered; another
 * answer or no answer retried after an exponential backoff with full jitter, until the attempts or
 * the age run out (then failed, replayable); 410 Gone or a refused target failed at once. A
 * subscription whose deliveries fail {@code disableAfterFailures} times in a row is disabled, with
 * an audit entry ({@code webhook.disable}); 410 disables it at once. Thread-safe; one pass at a
 * time per dispatcher.
 */
public final class WebhookDispatcher {
  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final int MAX_ERROR_CHARS = 300;

  /** What the dispatcher reports to metrics. */
  public interface Observer {
    void settled(String outcome, long latencyNanos);
  }

  private final WebhookStore store;
  private final WebhookTransport transport;
  private final InstantSource clock;
  private final WebhookLimits limits;
  private final Audit audit;
  private final Observer observer;
  private final ReentrantLock pass = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong attempts = new AtomicLong();

  public WebhookDispatcher(
      WebhookStore store,
      WebhookTransport transport,
      InstantSource clock,
      WebhookLimits limits,
      Audit audit,
      Observer observer) {
    this.store = store;
    this.transport = transport;
    this.clock = clock;
    this.limits = limits;
    this.audit = audit;
    this.observer = observer;
  }

  /** Attempts made by this dispatcher since it started. */
  public long attempts() {
    return attempts.get();
  }

  /** Stops further passes; a pass under way finishes. */
  public void close() {
    closed.set(true);
  }

  /**
   * One pass: claims up to a batch of due deliveries and attempts them all; returns how many were
   * claimed (a full batch: call again). Skips when another pass is under way.
   */
  public int drain() throws InterruptedException {
    if (closed.get() || !pass.tryLock()) {
      return 0;
    }
    try {
      long now = clock.millis();
      List<WebhookDelivery> due = store.claim(now, now + limits.lease().toMillis(), limits.batch());
      List<Thread> threads = new ArrayList<>(due.size());
      for (WebhookDelivery d : due) {
        threads.add(Thread.ofVirtual().name("webhook-" + d.id()).start(() -> attempt(d)));
      }
      for (Thread t : threads) {
        t.join();
      }
      return due.size();
    } finally {
      pass.unlock();
    }
  }

  private void attempt(WebhookDelivery d) {
    try {
      attemptOnce(d);
    } catch (RuntimeException e) {
      // The lease runs out and another pass tries again; nothing is lost.
      log.warn("webhook delivery {} could not be settled: {}", d.id(), e.toString());
    }
  }

  private void attemptOnce(WebhookDelivery d) {
    var found = store.subscription(d.app(), d.subscription());
    long now = clock.millis();
    if (found.isEmpty()) {
      return; // deleted with its deliveries
    }
    WebhookSubscription s = found.get();
    if (!s.enabled() && !d.type().equals(WebhookEvents.WEBHOOK_TEST)) {
      store.settle(
          d.settled(
              WebhookDelivery.Status.FAILED, d.attempts(), now, "subscription disabled", 0, now));
      observer.settled("skipped", 0);
      return;
    }
    long ts = now / 1000;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put(WebhookSignature.HEADER_EVENT_ID, d.eventId());
    headers.put(WebhookSignature.HEADER_EVENT_TYPE, d.type());
    headers.put(WebhookSignature.HEADER_TIMESTAMP, Long.toString(ts));
    headers.put(
        WebhookSignature.HEADER_SIGNATURE,
        WebhookSignature.header(s.signingSecrets(now), ts, d.body()));
    long start = System.nanoTime();
    Outcome outcome = transport.post(s.url(), headers, d.body());
    long latency = System.nanoTime() - start;
    attempts.incrementAndGet();
    int attempt = d.attempts() + 1;
    long after = clock.millis();
    switch (outcome) {
      case Outcome.Answered a when a.status() >= 200 && a.status() < 300 -> {
        store.settle(
            d.settled(WebhookDelivery.Status.DELIVERED, attempt, after, "", a.status(), after));
        if (s.failures() != 0) {
          store.resetFailures(s.app(), s.id());
        }
        observer.settled("delivered", latency);
      }
      case Outcome.Answered a when a.status() == 410 -> {
        store.settle(
            d.settled(WebhookDelivery.Status.FAILED, attempt, after, "410 Gone", 410, after));
        disable(s, "the receiver answered 410 Gone", after);
        observer.settled("gone", latency);
      }
      case Outcome.Answered a ->
          retryOrFail(
              d,
              s,
              attempt,
              "HTTP " + a.status() + (a.body().isEmpty() ? "" : ": " + clip(a.body())),
              a.status(),
              after,
              latency);
      case Outcome.Failed f -> retryOrFail(d, s, attempt, clip(f.reason()), 0, after, latency);
      case Outcome.Refused r -> {
        store.settle(
            d.settled(
                WebhookDelivery.Status.FAILED,
                attempt,
                after,
                "refused: " + clip(r.reason()),
                0,
                after));
        failedOnce(s, after);
        observer.settled("refused", latency);
      }
    }
  }

  private void retryOrFail(
      WebhookDelivery d,
      WebhookSubscription s,
      int attempt,
      String error,
      int code,
      long now,
      long latency) {
    long next = now + backoff(attempt);
    boolean exhausted =
        attempt >= limits.maxAttempts() || next - d.createdAt() > limits.maxAge().toMillis();
    if (exhausted) {
      store.settle(d.settled(WebhookDelivery.Status.FAILED, attempt, now, error, code, now));
      failedOnce(s, now);
      observer.settled("failed", latency);
    } else {
      store.settle(d.settled(WebhookDelivery.Status.PENDING, attempt, next, error, code, now));
      observer.settled("retried", latency);
    }
  }

  /** The wait after {@code attempt} attempts: full jitter over base * 2^(attempt-1), capped. */
  long backoff(int attempt) {
    long base = limits.backoffBase().toMillis();
    long cap = limits.backoffMax().toMillis();
    long ceiling = attempt >= 31 ? cap : Math.min(cap, base << Math.max(0, attempt - 1));
    return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
  }

  private void failedOnce(WebhookSubscription s, long now) {
    int failures = store.countFailure(s.app(), s.id(), now);
    if (limits.disableAfterFailures() > 0 && failures >= limits.disableAfterFailures()) {
      disable(s, failures + " deliveries failed in a row (webhooks.disable-after-failures)", now);
    }
  }

  private void disable(WebhookSubscription s, String reason, long now) {
    if (store.disable(s.app(), s.id(), reason, now)) {
      audit.record(s.app(), "system", "", "webhook.disable", s.id(), reason);
      log.info("webhook subscription {} of app '{}' disabled: {}", s.id(), s.app(), reason);
    }
  }

  private static String clip(String s) {
    return s.length() > MAX_ERROR_CHARS ? s.substring(0, MAX_ERROR_CHARS) : s;
  }
}
