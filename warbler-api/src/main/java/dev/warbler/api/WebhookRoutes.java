package dev.warbler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.core.CursorPage;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.webhooks.BeforeSendHook;
import dev.warbler.core.webhooks.BeforeSendHooks;
import dev.warbler.core.webhooks.WebhookDelivery;
import dev.warbler.core.webhooks.WebhookSubscription;
import dev.warbler.core.webhooks.Webhooks;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An app's webhook subscriptions (app secret or admin key): create, list, read, change, delete,
 * rotate the signing secret, send a test event; the delivery log of each, and replay of failed
 * deliveries. Another app's subscription is not found. See docs/webhooks.md.
 */
final class WebhookRoutes {
  private final ApiSupport api;
  private final Webhooks webhooks;
  private final BeforeSendHooks beforeSend;

  WebhookRoutes(ApiSupport api, Webhooks webhooks, BeforeSendHooks beforeSend) {
    this.api = api;
    this.webhooks = webhooks;
    this.beforeSend = beforeSend;
  }

  List<Route> routes() {
    String all = "/v1/apps/{app}/webhooks";
    String one = all + "/{webhook}";
    return List.of(
        new Route("GET", all, "listWebhooks", this::list),
        new Route("POST", all, "createWebhook", this::create),
        new Route("GET", one, "getWebhook", this::get),
        new Route("PATCH", one, "updateWebhook", this::update),
        new Route("DELETE", one, "deleteWebhook", this::delete),
        new Route("POST", one + "/rotate-secret", "rotateWebhookSecret", this::rotate),
        new Route("POST", one + "/test", "sendWebhookTest", this::test),
        new Route("GET", one + "/deliveries", "listWebhookDeliveries", this::deliveries),
        new Route("GET", one + "/deliveries/{delivery}", "getWebhookDelivery", this::delivery),
        new Route(
            "POST", one + "/deliveries/{delivery}/replay", "replayWebhookDelivery", this::replay),
        new Route("POST", one + "/replay", "replayWebhookDeliveries", this::replayRange),
        new Route("GET", HOOK, "getBeforeSendHook", this::getHook),
        new Route("PUT", HOOK, "putBeforeSendHook", this::putHook),
        new Route("DELETE", HOOK, "deleteBeforeSendHook", this::deleteHook));
  }

  private static final String HOOK = "/v1/apps/{app}/hooks/before-send";

  private void getHook(Context ctx) {
    App app = api.authorizeApp(ctx);
    BeforeSendHook h =
        beforeSend
            .get(app.id())
            .orElseThrow(() ->
                new WarblerException(
                    ErrorCode.NOT_FOUND, "app '" + app.id() + "' has no before-send hook"));
    api.send(ctx, 200, view(h, false));
  }

  private void putHook(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.PutBeforeSendHook body = api.read(ctx, Dtos.PutBeforeSendHook.class);
    boolean existed = beforeSend.get(app.id()).isPresent();
    BeforeSendHook h =
        beforeSend.put(
            app.id(),
            ApiSupport.required("url", body.url()),
            body.failOpen() != null && body.failOpen(),
            body.timeoutMs() == null ? 0 : body.timeoutMs());
    api.audit(ctx, app.id(), "hook.before-send.put", app.id(), h.url());
    api.send(ctx, 200, view(h, !existed));
  }

  private void deleteHook(Context ctx) {
    App app = api.authorizeApp(ctx);
    beforeSend.delete(app.id());
    api.audit(ctx, app.id(), "hook.before-send.delete", app.id(), "");
    ctx.status(204);
  }

  private static Dtos.BeforeSendHookView view(BeforeSendHook h, boolean withSecret) {
    return new Dtos.BeforeSendHookView(
        h.url(), h.failOpen(), h.timeoutMillis(), h.updatedAt(), withSecret ? h.secret() : null);
  }

  private void list(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(
        ctx,
        200,
        new Dtos.WebhookList(webhooks.list(app.id()).stream().map(s -> view(s, false)).toList()));
  }

  private void create(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.WebhookBody body = api.read(ctx, Dtos.WebhookBody.class);
    WebhookSubscription s =
        webhooks.create(
            app.id(),
            ApiSupport.required("url", body.url()),
            events(body.events()),
            body.enabled() == null || body.enabled(),
            ApiSupport.orEmpty(body.description()));
    api.audit(ctx, app.id(), "webhook.create", s.id(), s.url());
    api.send(ctx, 201, view(s, true));
  }

  private void get(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, view(webhooks.require(app.id(), ctx.pathParam("webhook")), false));
  }

  private void update(Context ctx) {
    App app = api.authorizeApp(ctx);
    WebhookSubscription old = webhooks.require(app.id(), ctx.pathParam("webhook"));
    Dtos.WebhookBody body = api.read(ctx, Dtos.WebhookBody.class);
    WebhookSubscription s =
        webhooks.update(
            app.id(),
            old.id(),
            body.url() == null ? old.url() : body.url(),
            body.events() == null ? old.events() : events(body.events()),
            body.enabled() == null ? old.enabled() : body.enabled(),
            body.description() == null ? old.description() : body.description());
    api.audit(ctx, app.id(), "webhook.update", s.id(), s.url());
    api.send(ctx, 200, view(s, false));
  }

  private void delete(Context ctx) {
    App app = api.authorizeApp(ctx);
    String id = ctx.pathParam("webhook");
    webhooks.delete(app.id(), id);
    api.audit(ctx, app.id(), "webhook.delete", id, "");
    ctx.status(204);
  }

  private void rotate(Context ctx) {
    App app = api.authorizeApp(ctx);
    WebhookSubscription s = webhooks.rotateSecret(app.id(), ctx.pathParam("webhook"));
    api.audit(ctx, app.id(), "webhook.rotate-secret", s.id(), "");
    api.send(ctx, 200, view(s, true));
  }

  private void test(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 202, view(webhooks.sendTest(app.id(), ctx.pathParam("webhook"))));
  }

  private void deliveries(Context ctx) {
    App app = api.authorizeApp(ctx);
    CursorPage<WebhookDelivery> page =
        webhooks.deliveries(
            app.id(),
            ctx.pathParam("webhook"),
            ApiSupport.orEmpty(ctx.queryParam("cursor")),
            ApiSupport.limitParam(ctx.queryParam("limit"), 0));
    api.send(
        ctx,
        200,
        new Dtos.WebhookDeliveryList(
            page.items().stream().map(this::view).toList(), page.nextCursor()));
  }

  private void delivery(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(
        ctx,
        200,
        view(webhooks.delivery(app.id(), ctx.pathParam("webhook"), ctx.pathParam("delivery"))));
  }

  private void replay(Context ctx) {
    App app = api.authorizeApp(ctx);
    WebhookDelivery d =
        webhooks.replay(app.id(), ctx.pathParam("webhook"), ctx.pathParam("delivery"));
    api.audit(ctx, app.id(), "webhook.replay", d.subscription(), d.id());
    api.send(ctx, 202, view(d));
  }

  private void replayRange(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.ReplayRange body = api.read(ctx, Dtos.ReplayRange.class);
    if (body.from() == null || body.to() == null) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "from and to (epoch milliseconds) are required");
    }
    String id = ctx.pathParam("webhook");
    int n = webhooks.replayFailed(app.id(), id, body.from(), body.to());
    api.audit(ctx, app.id(), "webhook.replay", id, body.from() + ".." + body.to() + ": " + n);
    api.send(ctx, 202, new Dtos.Replayed(n));
  }

  private static List<String> events(@Nullable List<String> events) {
    if (events == null) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "events is required");
    }
    return events;
  }

  private static Dtos.WebhookView view(WebhookSubscription s, boolean withSecret) {
    return new Dtos.WebhookView(
        s.id(),
        s.url(),
        s.events(),
        s.enabled(),
        s.description(),
        s.failures(),
        s.disabledReason(),
        s.createdAt(),
        s.updatedAt(),
        s.previousSecretUntil(),
        withSecret ? s.secret() : null);
  }

  private Dtos.WebhookDeliveryView view(WebhookDelivery d) {
    JsonNode event;
    try {
      event = api.json().readTree(d.body());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored webhook body is not JSON", e);
    }
    return new Dtos.WebhookDeliveryView(
        d.id(),
        d.subscription(),
        d.eventId(),
        d.type(),
        d.status().wire(),
        d.attempts(),
        d.nextAttemptAt(),
        d.lastError(),
        d.responseCode(),
        d.createdAt(),
        d.updatedAt(),
        event);
  }
}
