package dev.warbler.api;

import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.Directory;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.util.List;

/**
 * Apps and their keys: creating an app (root admin key only), reading it, rotating its API secret,
 * and its encryption at rest (ADR 0011: root admin key only). Every change is audited.
 */
final class AppRoutes {
  private final ApiSupport api;
  private final Directory directory;
  private final AtRestEncryption encryption;

  AppRoutes(ApiSupport api, Directory directory, AtRestEncryption encryption) {
    this.api = api;
    this.directory = directory;
    this.encryption = encryption;
  }

  List<Route> routes() {
    String app = "/v1/apps/{app}";
    return List.of(
        new Route("POST", "/v1/apps", "createApp", this::create),
        new Route("GET", app, "getApp", this::get),
        new Route("POST", app + "/secret/rotate", "rotateAppSecret", this::rotateSecret),
        new Route("GET", app + "/encryption", "getAppEncryption", this::getEncryption),
        new Route("PUT", app + "/encryption", "setAppEncryption", this::setEncryption),
        new Route("POST", app + "/encryption/rotate", "rotateAppDataKey", this::rotateDataKey));
  }

  private void create(Context ctx) {
    api.requireAdmin(ctx);
    Dtos.CreateApp body = api.read(ctx, Dtos.CreateApp.class);
    boolean encrypt = Boolean.TRUE.equals(body.encryptAtRest());
    if (encrypt) {
      encryption.requireMasterKey();
    }
    App app =
        directory.createApp(ApiSupport.required("id", body.id()), ApiSupport.orEmpty(body.name()));
    api.audit(ctx, app.id(), Audit.APP_CREATE, app.id(), encrypt ? "encryptAtRest" : "");
    if (encrypt) {
      encryption.setEnabled(app.id(), true);
    }
    api.send(
        ctx,
        201,
        new Dtos.AppCreated(app.id(), app.name(), app.secret(), app.createdAt(), encrypt));
  }

  private void get(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.send(
        ctx,
        200,
        new Dtos.AppView(
            app.id(), app.name(), app.createdAt(), encryption.status(app.id()).enabled()));
  }

  /** The admin key or the app's own secret may rotate it (the caller learns the new one). */
  private void rotateSecret(Context ctx) {
    App app = api.authorizeApp(ctx);
    String end = ctx.queryParam("endSessions");
    if (end != null && !end.equals("true") && !end.equals("false")) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "endSessions must be true or false");
    }
    boolean endSessions = "true".equals(end);
    App rotated = directory.rotateSecret(app.id(), endSessions);
    api.audit(ctx, app.id(), Audit.APP_SECRET_ROTATE, app.id(), "endSessions=" + endSessions);
    api.send(
        ctx,
        200,
        new Dtos.AppCreated(
            rotated.id(),
            rotated.name(),
            rotated.secret(),
            rotated.createdAt(),
            encryption.status(app.id()).enabled()));
  }

  /** Encryption at rest of an app (ADR 0011): root admin only, like creating apps. */
  private void getEncryption(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.requireAdmin(ctx);
    api.send(ctx, 200, encryptionView(encryption.status(app.id())));
  }

  private void setEncryption(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.requireAdmin(ctx);
    Dtos.SetEncryption body = api.read(ctx, Dtos.SetEncryption.class);
    if (body.enabled() == null) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "enabled is required");
    }
    AtRestEncryption.Status status = encryption.setEnabled(app.id(), body.enabled());
    api.audit(ctx, app.id(), Audit.APP_ENCRYPTION, app.id(), "enabled=" + body.enabled());
    api.send(ctx, 200, encryptionView(status));
  }

  private void rotateDataKey(Context ctx) {
    App app = api.authorizeApp(ctx);
    api.requireAdmin(ctx);
    AtRestEncryption.Status status = encryption.rotate(app.id());
    api.audit(
        ctx, app.id(), Audit.APP_DATA_KEY_ROTATE, app.id(), "keyVersion=" + status.keyVersion());
    api.send(ctx, 200, encryptionView(status));
  }

  private static Dtos.EncryptionView encryptionView(AtRestEncryption.Status s) {
    return new Dtos.EncryptionView(
        s.app(), s.enabled(), s.keyVersion(), s.keyVersions(), s.masterKeyConfigured());
  }
}
