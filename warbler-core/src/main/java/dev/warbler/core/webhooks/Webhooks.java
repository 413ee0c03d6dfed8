package dev.warbler.core.webhooks;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.warbler.core.CursorPage;
import dev.warbler.core.Ids;
import dev.warbler.core.PageCursor;
import dev.warbler.core.WarblerException;
import dev.warbler.core.groups.GroupEvents;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.MessageChange;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.WebhookStore;
import dev.warbler.core.spi.WebhookTransport;
import dev.warbler.protocol.ErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app's webhook subscriptions and their delivery log, and what turns each message stored through
 * this node into outbox rows (one per subscription that wants its type). Apps without subscriptions
 * cost the send path one in-memory cache lookup. Thread-safe.
 *
 * <p>The events of sends and lifecycle changes are durable before the sender is acknowledged
 * ({@link #outbox}); group change events are queued just after they are stored ({@link #stored}),
 * so a process killed in between loses them (ADR 26). From the outbox on, delivery is at least
 * once.
 */
public final class Webhooks {
  private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
  private static final int MAX_DESCRIPTION_CHARS = 500;
  private static final int MAX_PAGE = 100;
  private static final int DEFAULT_PAGE = 50;
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final WebhookStore store;
  private final WebhookTransport transport;
  private final InstantSource clock;
  private final WebhookLimits limits;
  private final Predicate<String> sealed;
  private final SecureRandom random = new SecureRandom();
  private final AsyncLoadingCache<String, List<WebhookSubscription>> byApp;

  /**
   * @param sealed whether an app keeps bodies encrypted at rest: its events carry no text or
   *     payload (the outbox would otherwise hold them in plain)
   * @param loader where cache misses load subscriptions (a blocking store read), off the send path
   */
  public Webhooks(
      WebhookStore store,
      WebhookTransport transport,
      InstantSource clock,
      WebhookLimits limits,
      Predicate<String> sealed,
      Executor loader) {
    this.store = store;
    this.transport = transport;
    this.clock = clock;
    this.limits = limits;
    this.sealed = sealed;
    this.byApp =
        Caffeine.newBuilder()
            // Refreshed in the background: steady traffic never misses.
            .refreshAfterWrite(limits.cacheTtl())
            .expireAfterAccess(java.time.Duration.ofHours(1))
            .maximumSize(100_000)
            .executor(loader)
            .buildAsync(app -> List.copyOf(store.subscriptions(app)));
  }

  public WebhookLimits limits() {
    return limits;
  }

  /** A new subscription with a fresh secret (returned to the caller once, here). */
  public WebhookSubscription create(
      String app, String url, List<String> events, boolean enabled, String description) {
    List<WebhookSubscription> existing = store.subscriptions(app);
    if (existing.size() >= limits.maxSubscriptions()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "an app has at most "
              + limits.maxSubscriptions()
              + " webhook subscriptions (webhooks.max-subscriptions)");
    }
    long now = clock.millis();
    List<String> checked = checkEvents(events);
    WebhookSubscription s =
        new WebhookSubscription(
            app,
            "wh_" + hex(8),
            checkUrl(url),
            checked,
            enabled,
            checkDescription(description),
            newSecret(),
            "",
            0,
            0,
            "",
            now,
            now);
    store.putSubscription(s);
    byApp.synchronous().invalidate(app);
    return s;
  }

  /** Replaces the settable fields; enabling a disabled subscription resets its failure count. */
  public WebhookSubscription update(
      String app, String id, String url, List<String> events, boolean enabled, String description) {
    WebhookSubscription old = require(app, id);
    boolean reenabled = enabled && !old.enabled();
    List<String> checked = checkEvents(events);
    WebhookSubscription s =
        new WebhookSubscription(
            app,
            id,
            checkUrl(url),
            checked,
            enabled,
            checkDescription(description),
            old.secret(),
            old.previousSecret(),
            old.previousSecretUntil(),
            reenabled ? 0 : old.failures(),
            enabled ? "" : old.disabledReason(),
            old.createdAt(),
            clock.millis());
    store.putSubscription(s);
    byApp.synchronous().invalidate(app);
    return s;
  }

  /** A new secret; the old one keeps signing (second signature) for {@code secretGrace}. */
  public WebhookSubscription rotateSecret(String app, String id) {
    WebhookSubscription old = require(app, id);
    long now = clock.millis();
    WebhookSubscription s =
        new WebhookSubscription(
            app,
            id,
            old.url(),
            old.events(),
            old.enabled(),
            old.description(),
            newSecret(),
            old.secret(),
            now + limits.secretGrace().toMillis(),
            old.failures(),
            old.disabledReason(),
            old.createdAt(),
            now);
    store.putSubscription(s);
    byApp.synchronous().invalidate(app);
    return s;
  }

  public void delete(String app, String id) {
    if (!store.deleteSubscription(app, Ids.require("subscription", id))) {
      throw notFound(id);
    }
    byApp.synchronous().invalidate(app);
  }

  public List<WebhookSubscription> list(String app) {
    return store.subscriptions(app);
  }

  /** The app's subscription, or NOT_FOUND (another app's id is not found either). */
  public WebhookSubscription require(String app, String id) {
    return store.subscription(app, Ids.require("subscription", id)).orElseThrow(() -> notFound(id));
  }

  /** A page of a subscription's delivery log, newest first. */
  public CursorPage<WebhookDelivery> deliveries(String app, String id, String cursor, int limit) {
    require(app, id);
    int n = PageCursor.limit(limit, DEFAULT_PAGE, MAX_PAGE);
    List<WebhookDelivery> page = store.deliveries(app, id, PageCursor.decode(cursor), n + 1);
    if (page.size() <= n) {
      return new CursorPage<>(page, "");
    }
    List<WebhookDelivery> items = page.subList(0, n);
    return new CursorPage<>(items, PageCursor.after(items.get(n - 1).id()));
  }

  public WebhookDelivery delivery(String app, String id, String deliveryId) {
    require(app, id);
    return store
        .delivery(app, Ids.require("delivery", deliveryId))
        .filter(d -> d.subscription().equals(id))
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.NOT_FOUND,
                "webhook delivery '" + Ids.clip(deliveryId) + "' does not exist"));
  }

  /** Makes one failed delivery pending again (attempts from zero); INVALID_ARGUMENT otherwise. */
  public WebhookDelivery replay(String app, String id, String deliveryId) {
    WebhookDelivery d = delivery(app, id, deliveryId);
    if (d.status() != WebhookDelivery.Status.FAILED) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "only a failed delivery can be replayed; '" + d.id() + "' is " + d.status().wire());
    }
    long now = clock.millis();
    WebhookDelivery again = d.settled(WebhookDelivery.Status.PENDING, 0, now, "", 0, now);
    store.settle(again);
    return again;
  }

  /** Makes the failed deliveries created in [from, to) pending again; returns how many. */
  public int replayFailed(String app, String id, long from, long to) {
    require(app, id);
    if (from < 0 || to <= from) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "from must be >= 0 and below to but were " + from + " and " + to);
    }
    return store.replayFailed(app, id, from, to, clock.millis());
  }

  /** Queues a {@code webhook.test} event for this subscription only (enabled or not). */
  public WebhookDelivery sendTest(String app, String id) {
    WebhookSubscription s = require(app, id);
    JsonObject data = new JsonObject();
    data.addProperty("subscription", s.id());
    String eventId = eventId();
    long now = clock.millis();
    WebhookDelivery d =
        delivery(
            s,
            eventId,
            WebhookEvents.WEBHOOK_TEST,
            envelope(eventId, WebhookEvents.WEBHOOK_TEST, app, now, data),
            now);
    store.enqueue(List.of(d)).join();
    return d;
  }

  /**
   * The {@code Messenger} outbox: queues the events of a message stored by a send or a lifecycle
   * change (recall, edit); the future completes once they are durable, and the sender is
   * acknowledged only then. Never blocks: subscriptions come from the cache (a miss loads on the
   * loader). Apps without subscriptions get a completed future.
   */
  public CompletableFuture<Void> outbox(ChatMessage m) {
    if (m.extras().deletedForMe()) {
      return DONE; // a delete-for-me notice to one user's devices, not a stored message
    }
    var cached = byApp.getIfPresent(m.app());
    if (cached != null && cached.isDone() && !cached.isCompletedExceptionally()) {
      List<WebhookSubscription> subs = cached.join();
      return subs.isEmpty() ? DONE : enqueue(m, subs);
    }
    return byApp.get(m.app()).thenCompose(subs -> subs.isEmpty() ? DONE : enqueue(m, subs));
  }

  /**
   * The origin observer ({@code Publisher.onOrigin}) for what does not pass through the {@code
   * Messenger}: group change events, queued after they are stored (ADR 26: a process killed in
   * between loses them). Never blocks.
   */
  public void stored(Delivery delivery) {
    ChatMessage m = delivery.message();
    if (!GroupEvents.isEvent(m)) {
      return; // sends and lifecycle changes come through outbox()
    }
    byApp
        .get(m.app())
        .thenCompose(subs -> subs.isEmpty() ? DONE : enqueue(m, subs))
        .exceptionally(e -> {
          log.warn("webhook events of app '{}' were not queued: {}", m.app(), e.toString());
          return null;
        });
  }

  private CompletableFuture<Void> enqueue(ChatMessage m, List<WebhookSubscription> subs) {
    Optional<Event> event = event(m);
    if (event.isEmpty()) {
      return DONE;
    }
    Event e = event.get();
    List<WebhookDelivery> rows = new ArrayList<>();
    String body = null;
    String eventId = null;
    long now = clock.millis();
    for (WebhookSubscription s : subs) {
      if (s.enabled() && s.wants(e.type())) {
        if (body == null) {
          eventId = eventId();
          body = envelope(eventId, e.type(), m.app(), now, e.data());
        }
        rows.add(delivery(s, eventId, e.type(), body, now));
      }
    }
    return rows.isEmpty() ? DONE : store.enqueue(rows);
  }

  private record Event(String type, JsonObject data) {}

  private Optional<Event> event(ChatMessage m) {
    JsonObject data = new JsonObject();
    data.addProperty("conversation", m.conversation().toString());
    boolean plain = !sealed.test(m.app());
    if (m.type() == MessageType.CHANGE) {
      Optional<MessageChange> change = m.extras().change();
      if (change.isEmpty()) {
        return Optional.empty();
      }
      data.addProperty("seq", change.get().targetSeq());
      data.addProperty("by", m.sender());
      data.addProperty("at", m.sentAt());
      return switch (change.get().action()) {
        case MessageChange.Action.Recall r ->
            Optional.of(new Event(WebhookEvents.MESSAGE_RECALLED, data));
        case MessageChange.Action.Edit edit -> {
          if (plain) {
            data.addProperty("text", edit.text());
            data.addProperty("payload", edit.payload());
          }
          data.addProperty("sealed", !plain);
          yield Optional.of(new Event(WebhookEvents.MESSAGE_EDITED, data));
        }
        case MessageChange.Action.Reaction reaction -> Optional.empty();
      };
    }
    if (GroupEvents.isEvent(m)) {
      Optional<Event> group = groupEvent(m, data);
      if (group.isPresent()) {
        return group;
      }
    }
    data.addProperty("seq", m.seq());
    data.addProperty("messageId", m.id());
    data.addProperty("clientMsgId", m.clientMsgId());
    data.addProperty("sender", m.sender());
    data.addProperty("type", m.type().name().toLowerCase(Locale.ROOT));
    if (plain) {
      data.addProperty("text", m.text());
      data.addProperty("payload", m.payload());
    }
    data.addProperty("sealed", !plain);
    data.addProperty("sentAt", m.sentAt());
    return Optional.of(new Event(WebhookEvents.MESSAGE_STORED, data));
  }

  /** A group change the catalog names: the event's payload fields, plus the group and the seq. */
  private static Optional<Event> groupEvent(ChatMessage m, JsonObject data) {
    JsonObject payload;
    try {
      payload = JsonParser.parseString(m.payload()).getAsJsonObject();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    JsonElement kind = payload.get("event");
    String type =
        kind != null && kind.isJsonPrimitive()
            ? WebhookEvents.ofGroupEvent(kind.getAsString())
            : "";
    if (type.isEmpty()) {
      return Optional.empty();
    }
    JsonObject out = new JsonObject();
    out.addProperty("group", m.conversation().first());
    out.add("conversation", data.get("conversation"));
    out.addProperty("seq", m.seq());
    out.addProperty("at", m.sentAt());
    for (var e : payload.entrySet()) {
      if (!e.getKey().equals("event")) {
        out.add(e.getKey(), e.getValue());
      }
    }
    return Optional.of(new Event(type, out));
  }

  private WebhookDelivery delivery(
      WebhookSubscription s, String eventId, String type, String body, long now) {
    return new WebhookDelivery(
        s.app(),
        String.format(Locale.ROOT, "%013d", now) + hex(6),
        s.id(),
        eventId,
        type,
        body,
        WebhookDelivery.Status.PENDING,
        0,
        now,
        "",
        0,
        now,
        now);
  }

  /** The JSON envelope every delivery carries: {id, type, app, createdAt, data}. */
  static String envelope(String id, String type, String app, long createdAt, JsonObject data) {
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("type", type);
    o.addProperty("app", app);
    o.addProperty("createdAt", createdAt);
    o.add("data", data);
    return o.toString();
  }

  private String eventId() {
    return "evt_" + hex(12);
  }

  private String newSecret() {
    return "whsec_" + hex(24);
  }

  private String hex(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private String checkUrl(String url) {
    return checkUrl(url, limits, transport);
  }

  /** A target URL's shape and, through the transport's rules, its addresses; INVALID_ARGUMENT. */
  static String checkUrl(String url, WebhookLimits limits, WebhookTransport transport) {
    if (url.length() > limits.maxUrlChars()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "url must have at most " + limits.maxUrlChars() + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "url is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && limits.allowHttp())) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          limits.allowHttp()
              ? "url must be an http or https URL"
              : "url must be an https URL (http only with webhooks.allow-http, for development)");
    }
    if (uri.getHost() == null || uri.getUserInfo() != null || uri.getFragment() != null) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "url must name a host, with no user info and no fragment");
    }
    transport
        .refusal(url)
        .ifPresent(reason -> {
          throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "url is refused: " + reason);
        });
    return url;
  }

  private static List<String> checkEvents(List<String> events) {
    if (events.isEmpty()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "events must name at least one event type, or \"*\"");
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String e : events) {
      if (!e.equals(WebhookEvents.ALL) && !WebhookEvents.TYPES.contains(e)) {
        throw new WarblerException(
            ErrorCode.INVALID_ARGUMENT,
            "events: '" + Ids.clip(e) + "' is not an event type (see docs/webhooks.md)");
      }
      out.add(e);
    }
    return List.copyOf(out);
  }

  private static String checkDescription(String description) {
    if (description.length() > MAX_DESCRIPTION_CHARS) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "description must have at most " + MAX_DESCRIPTION_CHARS + " characters");
    }
    return description;
  }

  private static WarblerException notFound(String id) {
    return new WarblerException(
        ErrorCode.NOT_FOUND, "webhook subscription '" + Ids.clip(id) + "' does not exist");
  }
}
