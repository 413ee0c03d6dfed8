package dev.warbler.api;

import dev.warbler.core.Caller;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.moderation.Moderation;
import dev.warbler.core.moderation.ModerationSettings;
import dev.warbler.core.moderation.ReviewQueue;
import dev.warbler.core.moderation.ReviewStatus;
import dev.warbler.core.moderation.SensitiveWord;
import dev.warbler.core.moderation.WordAction;
import dev.warbler.core.spi.ModerationStore;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The sensitive-word filter of an app, for its backend (app secret or admin key): settings, the
 * word list (add, list, delete, import, export) and the review queue (list, approve, reject).
 */
final class ModerationRoutes {
  private final ApiSupport api;
  private final Moderation moderation;
  private final ReviewQueue reviews;

  ModerationRoutes(ApiSupport api, Moderation moderation, ReviewQueue reviews) {
    this.api = api;
    this.moderation = moderation;
    this.reviews = reviews;
  }

  List<Route> routes() {
    String base = "/v1/apps/{app}/moderation";
    return List.of(
        new Route("GET", base + "/settings", "getModerationSettings", this::getSettings),
        new Route("PUT", base + "/settings", "putModerationSettings", this::putSettings),
        new Route("GET", base + "/words", "listSensitiveWords", this::listWords),
        new Route("POST", base + "/words", "addSensitiveWords", this::addWords),
        new Route("PUT", base + "/words", "replaceSensitiveWords", this::replaceWords),
        new Route("POST", base + "/words/delete", "deleteSensitiveWords", this::deleteWords),
        new Route("GET", base + "/words/export", "exportSensitiveWords", this::exportWords),
        new Route("GET", base + "/reviews", "listReviews", this::listReviews),
        new Route("POST", base + "/reviews/{review}/approve", "approveReview", this::approve),
        new Route("POST", base + "/reviews/{review}/reject", "rejectReview", this::reject));
  }

  private void getSettings(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, settingsView(app.id(), moderation.settings(app.id())));
  }

  private void putSettings(Context ctx) {
    App app = api.authorizeApp(ctx);
    Dtos.ModerationSettingsBody body = api.read(ctx, Dtos.ModerationSettingsBody.class);
    ModerationSettings wanted = settings(body, moderation.settings(app.id()));
    moderation.putSettings(caller(ctx, app), wanted);
    api.send(ctx, 200, settingsView(app.id(), wanted));
  }

  /** The settings a body asks for: absent fields keep their {@code current} value. */
  static ModerationSettings settings(Dtos.ModerationSettingsBody body, ModerationSettings current) {
    Boolean enabled = body.enabled();
    String defaultAction = body.defaultAction();
    return new ModerationSettings(
        enabled == null ? current.enabled() : enabled,
        defaultAction == null ? current.defaultAction() : action("defaultAction", defaultAction));
  }

  private Dtos.ModerationSettingsView settingsView(String app, ModerationSettings s) {
    return new Dtos.ModerationSettingsView(
        s.enabled(), s.defaultAction().wireName(), moderation.filter(app).version());
  }

  private void listWords(Context ctx) {
    App app = api.authorizeApp(ctx);
    int max = moderation.limits().maxWordsPerRequest();
    int limit = Math.min(max, ApiSupport.limitParam(ctx.queryParam("limit"), 100));
    ApiSupport.positive("limit", limit);
    List<SensitiveWord> page =
        moderation.words(
            app.id(),
            ApiSupport.orEmpty(ctx.queryParam("cursor")),
            ApiSupport.orEmpty(ctx.queryParam("prefix")),
            ApiSupport.orEmpty(ctx.queryParam("category")),
            limit);
    api.send(
        ctx,
        200,
        Dtos.Page.of(
            page.stream().map(ModerationRoutes::view).toList(),
            page.size() < limit
                ? Optional.empty()
                : Optional.of(page.get(page.size() - 1).word())));
  }

  private void exportWords(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(
        ctx,
        200,
        new Dtos.Page<>(
            moderation.allWords(app.id()).stream().map(ModerationRoutes::view).toList(), null));
  }

  private void addWords(Context ctx) {
    App app = api.authorizeApp(ctx);
    List<Moderation.WordInput> words = inputs(api.read(ctx, Dtos.WordsBody.class));
    if (words.isEmpty()) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "words must not be empty");
    }
    api.send(ctx, 200, changed(moderation.addWords(caller(ctx, app), words)));
  }

  private void replaceWords(Context ctx) {
    App app = api.authorizeApp(ctx);
    List<Moderation.WordInput> words = inputs(api.read(ctx, Dtos.WordsBody.class));
    api.send(ctx, 200, changed(moderation.replaceWords(caller(ctx, app), words)));
  }

  private void deleteWords(Context ctx) {
    App app = api.authorizeApp(ctx);
    List<String> words = keys(api.read(ctx, Dtos.WordKeysBody.class));
    api.send(ctx, 200, changed(moderation.deleteWords(caller(ctx, app), words)));
  }

  static List<String> keys(Dtos.WordKeysBody body) {
    List<String> words = body.words();
    if (words == null) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "words is required");
    }
    return words;
  }

  private void listReviews(Context ctx) {
    App app = api.authorizeApp(ctx);
    String statusParam = ctx.queryParam("status");
    ReviewStatus status =
        statusParam == null || statusParam.isEmpty()
            ? ReviewStatus.PENDING
            : ReviewStatus.parse(statusParam)
                .orElseThrow(() ->
                    new WarblerException(
                        ErrorCode.INVALID_ARGUMENT,
                        "status must be pending, approved or rejected"));
    int max = moderation.limits().maxWordsPerRequest();
    int limit = Math.min(max, ApiSupport.limitParam(ctx.queryParam("limit"), 100));
    ApiSupport.positive("limit", limit);
    List<ReviewQueue.Entry> page =
        reviews.list(app.id(), status, ApiSupport.orEmpty(ctx.queryParam("cursor")), limit);
    api.send(
        ctx,
        200,
        Dtos.Page.of(
            page.stream().map(ModerationRoutes::view).toList(),
            page.size() < limit
                ? Optional.empty()
                : Optional.of(page.get(page.size() - 1).item().id())));
  }

  private void approve(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, view(reviews.approve(caller(ctx, app), ctx.pathParam("review"))));
  }

  private void reject(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(ctx, 200, view(reviews.reject(caller(ctx, app), ctx.pathParam("review"))));
  }

  private Caller caller(Context ctx, App app) {
    return api.caller(ctx, app.id());
  }

  /** The words of a body; INVALID_ARGUMENT for a missing list, word or a bad action. */
  static List<Moderation.WordInput> inputs(Dtos.WordsBody body) {
    List<Dtos.WordBody> words = body.words();
    if (words == null) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "words is required");
    }
    List<Moderation.WordInput> out = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      Dtos.WordBody w = words.get(i);
      String word = ApiSupport.required("words[" + i + "].word", w.word());
      Optional<WordAction> action =
          w.action() == null || w.action().isEmpty()
              ? Optional.empty()
              : Optional.of(action("words[" + i + "].action", w.action()));
      out.add(new Moderation.WordInput(word, action, ApiSupport.orEmpty(w.category())));
    }
    return out;
  }

  private static WordAction action(String field, @Nullable String name) {
    return WordAction.parse(ApiSupport.orEmpty(name))
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.INVALID_ARGUMENT, field + " must be mask, review or reject"));
  }

  private static Dtos.WordsChanged changed(ModerationStore.Change c) {
    return new Dtos.WordsChanged(c.changed(), c.version(), c.total());
  }

  private static Dtos.WordView view(SensitiveWord w) {
    return new Dtos.WordView(w.word(), w.action().wireName(), w.category(), w.addedAt());
  }

  private static Dtos.ReviewView view(ReviewQueue.Entry e) {
    var i = e.item();
    return new Dtos.ReviewView(
        i.id(),
        i.conversation().toString(),
        i.seq(),
        i.sender(),
        i.categories(),
        i.status().wireName(),
        i.createdAt(),
        i.decidedAt(),
        i.decidedBy(),
        e.message()
            .map(m ->
                new Dtos.ReviewedMessage(
                    m.type().name(), m.text(), m.extras().recalled(), m.sentAt()))
            .orElse(null));
  }
}
