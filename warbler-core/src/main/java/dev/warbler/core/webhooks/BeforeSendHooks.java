package dev.warbler.core.webhooks;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.WebhookStore;
import dev.warbler.core.spi.WebhookTransport;
import dev.warbler.core.spi.WebhookTransport.Outcome;
import dev.warbler.protocol.ErrorCode;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Each app's before-send hook: its configuration, and the check {@link Messenger} runs on every
 * message a user sends (not the app backend's own sends). The hook gets the message signed like a
 * webhook ({@code message.before_send}) and answers {@code {"action":"allow"}}, {@code
 * {"action":"reject","reason":"..."}} (the sender gets MESSAGE_REJECTED with the reason) or {@code
 * {"action":"modify","text":"...","payload":"..."}} (absent fields unchanged). No answer within the
 * hook's timeout, a non-2xx status or an answer that is none of these is a failure: the message is
 * stored unchanged (fail-open) or refused with UNAVAILABLE (fail-closed). Apps without a hook pay a
 * cache lookup. Thread-safe; never blocks the caller.
 */
public final class BeforeSendHooks implements Messenger.BeforeSend {
  public static final String EVENT_TYPE = "message.before_send";
  private static final int MAX_REASON_CHARS = 200;

  /** An app not seen this long leaves the cache. */
  private static final Duration IDLE = Duration.ofHours(1);

  /** Beyond the hook's own timeout, for reading the answer's body. */
  private static final long GRACE_MILLIS = 250;

  private final WebhookStore store;
  private final WebhookTransport transport;
  private final InstantSource clock;
  private final int maxTimeoutMillis;
  private final int maxAnswerBytes;
  private final Executor executor;
  private final WebhookLimits limits;
  private final SecureRandom random = new SecureRandom();
  private final AsyncLoadingCache<String, Optional<BeforeSendHook>> byApp;

  /**
   * @param maxTimeoutMillis the longest timeout an app may choose, and the default
   * @param maxAnswerBytes bytes of a hook's answer read (a modified message must fit)
   * @param executor runs the hook calls (virtual threads) and cache loads
   */
  public BeforeSendHooks(
      WebhookStore store,
      WebhookTransport transport,
      InstantSource clock,
      WebhookLimits limits,
      int maxTimeoutMillis,
      int maxAnswerBytes,
      Executor executor) {
    if (maxTimeoutMillis <= 0 || maxAnswerBytes <= 0) {
      throw new IllegalArgumentException(
          "the hook's timeout and answer size must be positive but were "
              + maxTimeoutMillis
              + " and "
              + maxAnswerBytes);
    }
    this.store = store;
    this.transport = transport;
    this.clock = clock;
    this.limits = limits;
    this.maxTimeoutMillis = maxTimeoutMillis;
    this.maxAnswerBytes = maxAnswerBytes;
    this.executor = executor;
    this.byApp =
        Caffeine.newBuilder()
            // Refreshed in the background: a send never waits for a reload, only for the first
            // load of its app.
            .refreshAfterWrite(limits.cacheTtl())
            .expireAfterAccess(IDLE)
            .maximumSize(100_000)
            .executor(executor)
            .buildAsync(store::beforeSendHook);
  }

  /**
   * Sets the app's hook; a new hook gets a fresh secret (returned here only), a changed one keeps
   * its secret. {@code timeoutMillis} 0 means the server's maximum.
   */
  public BeforeSendHook put(String app, String url, boolean failOpen, int timeoutMillis) {
    if (timeoutMillis < 0 || timeoutMillis > maxTimeoutMillis) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "timeoutMs must be between 1 and "
              + maxTimeoutMillis
              + " (hooks.before-send.timeout-ms), or 0 for that, but was "
              + timeoutMillis);
    }
    Webhooks.checkUrl(url, limits, transport);
    Optional<BeforeSendHook> old = store.beforeSendHook(app);
    BeforeSendHook hook =
        new BeforeSendHook(
            app,
            url,
            old.map(BeforeSendHook::secret).orElseGet(this::newSecret),
            failOpen,
            timeoutMillis == 0 ? maxTimeoutMillis : timeoutMillis,
            clock.millis());
    store.putBeforeSendHook(hook);
    byApp.synchronous().invalidate(app);
    return hook;
  }

  public Optional<BeforeSendHook> get(String app) {
    return store.beforeSendHook(app);
  }

  public void delete(String app) {
    if (!store.deleteBeforeSendHook(app)) {
      throw new WarblerException(ErrorCode.NOT_FOUND, "app '" + app + "' has no before-send hook");
    }
    byApp.synchronous().invalidate(app);
  }

  /**
   * Answers at once for an app without a hook, so its messages are appended in the order they were
   * sent; the app's first send after a start (or an hour idle) reads the hook from the store on the
   * caller's thread, as the directory's caches do.
   */
  @Override
  public CompletableFuture<NewMessage> check(NewMessage m) {
    Optional<BeforeSendHook> hook = byApp.synchronous().get(m.app());
    return hook.isEmpty() ? CompletableFuture.completedFuture(m) : call(hook.get(), m);
  }

  private CompletableFuture<NewMessage> call(BeforeSendHook hook, NewMessage m) {
    long now = clock.millis();
    JsonObject data = new JsonObject();
    data.addProperty("conversation", m.conversation().toString());
    data.addProperty("sender", m.sender());
    data.addProperty("messageId", m.id());
    data.addProperty("clientMsgId", m.clientMsgId());
    data.addProperty("type", m.type().name().toLowerCase(Locale.ROOT));
    data.addProperty("text", m.text());
    data.addProperty("payload", m.payload());
    String eventId = "evt_" + hex(12);
    String body = Webhooks.envelope(eventId, EVENT_TYPE, m.app(), now, data);
    long ts = now / 1000;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put(WebhookSignature.HEADER_EVENT_ID, eventId);
    headers.put(WebhookSignature.HEADER_EVENT_TYPE, EVENT_TYPE);
    headers.put(WebhookSignature.HEADER_TIMESTAMP, Long.toString(ts));
    headers.put(
        WebhookSignature.HEADER_SIGNATURE,
        WebhookSignature.header(List.of(hook.secret()), ts, body));
    Duration timeout = Duration.ofMillis(hook.timeoutMillis());
    return CompletableFuture.supplyAsync(
            () -> transport.post(hook.url(), headers, body, timeout, maxAnswerBytes), executor)
        // The client's timeout covers the answer's headers; this one also its body and the DNS.
        .completeOnTimeout(
            new Outcome.Failed("timed out after " + hook.timeoutMillis() + " ms"),
            hook.timeoutMillis() + GRACE_MILLIS,
            TimeUnit.MILLISECONDS)
        .thenApply(outcome -> decide(hook, m, outcome));
  }

  private NewMessage decide(BeforeSendHook hook, NewMessage m, Outcome outcome) {
    if (outcome instanceof Outcome.Answered a && a.status() >= 200 && a.status() < 300) {
      Optional<NewMessage> decided = answer(m, a.body());
      if (decided.isPresent()) {
        return decided.get();
      }
    }
    String failure =
        switch (outcome) {
          case Outcome.Answered a when a.status() >= 200 && a.status() < 300 ->
              "its answer is not {\"action\": \"allow\" | \"reject\" | \"modify\", ...}";
          case Outcome.Answered a -> "it answered HTTP " + a.status();
          case Outcome.Failed f -> f.reason();
          case Outcome.Refused r -> "its URL is refused: " + r.reason();
        };
    if (hook.failOpen()) {
      return m;
    }
    throw new WarblerException(
        ErrorCode.UNAVAILABLE, "the app's before-send hook failed (" + failure + "); retry later");
  }

  /** The message an answer asks for, or empty when the answer is not one; throws on reject. */
  private static Optional<NewMessage> answer(NewMessage m, String body) {
    JsonObject o;
    try {
      o = JsonParser.parseString(body).getAsJsonObject();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    String action = string(o, "action").orElse("");
    switch (action) {
      case "allow" -> {
        return Optional.of(m);
      }
      case "reject" -> {
        String reason = string(o, "reason").orElse("");
        if (reason.length() > MAX_REASON_CHARS) {
          reason = reason.substring(0, MAX_REASON_CHARS);
        }
        throw new WarblerException(
            ErrorCode.MESSAGE_REJECTED,
            reason.isEmpty() ? "the app rejected the message" : "rejected: " + reason);
      }
      case "modify" -> {
        Optional<String> text = string(o, "text");
        Optional<String> payload = string(o, "payload");
        if ((o.has("text") && text.isEmpty()) || (o.has("payload") && payload.isEmpty())) {
          return Optional.empty();
        }
        return Optional.of(
            new NewMessage(
                m.app(),
                m.conversation(),
                m.id(),
                m.clientMsgId(),
                m.sender(),
                m.type(),
                text.orElse(m.text()),
                payload.orElse(m.payload()),
                m.sentAt(),
                m.options()));
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  private static Optional<String> string(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
        ? Optional.of(e.getAsString())
        : Optional.empty();
  }

  private String newSecret() {
    return "whsec_" + hex(24);
  }

  private String hex(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
