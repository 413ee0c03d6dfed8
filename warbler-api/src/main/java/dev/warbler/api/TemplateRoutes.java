package dev.warbler.api;

import dev.warbler.core.directory.App;
import dev.warbler.core.messaging.Template;
import dev.warbler.core.messaging.Templates;
import io.javalin.http.Context;
import java.util.List;

/**
 * Message templates of an app, for notifications: listing, reading and writing them. Sending a
 * message rendered from one is {@code sendMessage} ({@link MessageRoutes}).
 */
final class TemplateRoutes {
  private final ApiSupport api;
  private final Templates templates;

  TemplateRoutes(ApiSupport api, Templates templates) {
    this.api = api;
    this.templates = templates;
  }

  List<Route> routes() {
    String template = "/v1/apps/{app}/templates/{template}";
    return List.of(
        new Route("GET", "/v1/apps/{app}/templates", "listTemplates", this::list),
        new Route("GET", template, "getTemplate", this::get),
        new Route("PUT", template, "putTemplate", this::put));
  }

  private void list(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(
        ctx,
        200,
        new Dtos.TemplateList(
            templates.list(app.id()).stream().map(TemplateRoutes::view).toList()));
  }

  private void get(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, view(templates.require(app.id(), ctx.pathParam("template"))));
  }

  private void put(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.PutTemplate body = api.read(ctx, Dtos.PutTemplate.class);
    api.send(
        ctx,
        200,
        view(
            templates.put(
                app.id(), ctx.pathParam("template"), ApiSupport.required("text", body.text()))));
  }

  private static Dtos.TemplateView view(Template t) {
    return new Dtos.TemplateView(
        t.id(), t.text(), List.copyOf(Templates.fieldsOf(t.text())), t.updatedAt() == 0);
  }
}
