package dev.warbler.store.postgres;

import dev.warbler.core.spi.WebhookStore;
import dev.warbler.core.webhooks.BeforeSendHook;
import dev.warbler.core.webhooks.WebhookDelivery;
import dev.warbler.core.webhooks.WebhookSubscription;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Webhook subscriptions and their outbox in the PostgreSQL database, written through the shared
 * writer (an enqueue joins the writer's next batch). Nodes share the outbox: a claim locks the due
 * rows it takes with {@code FOR UPDATE SKIP LOCKED} (another node's concurrent claim passes them
 * by) and leases them, so no two nodes attempt one delivery at once until the lease ends.
 */
final class PostgresWebhookStore implements WebhookStore {
  private static final String SUBSCRIPTION_COLUMNS =
      "app, id, url, events, enabled, description, secret, previous_secret,"
          + " previous_secret_until, failures, disabled_reason, created_at, updated_at";
  private static final String DELIVERY_COLUMNS =
      "app, id, subscription, event_id, type, body, status, attempts, next_attempt_at,"
          + " last_error, response_code, created_at, updated_at";

  private final PostgresDatabase base;

  PostgresWebhookStore(PostgresDatabase base) {
    this.base = base;
  }

  @Override
  public void putSubscription(WebhookSubscription s) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO webhook_subscriptions ("
                      + SUBSCRIPTION_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (app, id) DO UPDATE SET url = excluded.url,"
                      + " events = excluded.events, enabled = excluded.enabled,"
                      + " description = excluded.description, secret = excluded.secret,"
                      + " previous_secret = excluded.previous_secret,"
                      + " previous_secret_until = excluded.previous_secret_until,"
                      + " failures = excluded.failures, disabled_reason = excluded.disabled_reason,"
                      + " updated_at = excluded.updated_at");
          ps.setString(1, s.app());
          ps.setString(2, s.id());
          ps.setString(3, s.url());
          ps.setString(4, String.join(",", s.events()));
          ps.setBoolean(5, s.enabled());
          ps.setString(6, s.description());
          ps.setString(7, s.secret());
          ps.setString(8, s.previousSecret());
          ps.setLong(9, s.previousSecretUntil());
          ps.setInt(10, s.failures());
          ps.setString(11, s.disabledReason());
          ps.setLong(12, s.createdAt());
          ps.setLong(13, s.updatedAt());
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public Optional<WebhookSubscription> subscription(String app, String id) {
    return subscriptions(app, id).stream().findFirst();
  }

  @Override
  public List<WebhookSubscription> subscriptions(String app) {
    return subscriptions(app, null);
  }

  private List<WebhookSubscription> subscriptions(
      String app, @org.jspecify.annotations.Nullable String id) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + SUBSCRIPTION_COLUMNS
                  + " FROM webhook_subscriptions WHERE app = ?"
                  + (id == null ? "" : " AND id = ?")
                  + " ORDER BY created_at, id")) {
        ps.setString(1, app);
        if (id != null) {
          ps.setString(2, id);
        }
        List<WebhookSubscription> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(subscription(rs));
          }
        }
        return out;
      }
    });
  }

  @Override
  public int countFailure(String app, String id, long now) {
    return base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE webhook_subscriptions SET failures = failures + 1, updated_at = ?"
                      + " WHERE app = ? AND id = ? RETURNING failures");
          ps.setLong(1, now);
          ps.setString(2, app);
          ps.setString(3, id);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
          }
        });
  }

  @Override
  public void resetFailures(String app, String id) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE webhook_subscriptions SET failures = 0"
                      + " WHERE app = ? AND id = ? AND failures <> 0");
          ps.setString(1, app);
          ps.setString(2, id);
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public boolean disable(String app, String id, String reason, long now) {
    return base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE webhook_subscriptions SET enabled = false, disabled_reason = ?,"
                      + " updated_at = ? WHERE app = ? AND id = ? AND enabled = true");
          ps.setString(1, reason);
          ps.setLong(2, now);
          ps.setString(3, app);
          ps.setString(4, id);
          return ps.executeUpdate() > 0;
        });
  }

  @Override
  public boolean deleteSubscription(String app, String id) {
    return base.writer()
        .call(w -> {
          PreparedStatement d =
              w.statement("DELETE FROM webhook_deliveries WHERE app = ? AND subscription = ?");
          d.setString(1, app);
          d.setString(2, id);
          d.executeUpdate();
          PreparedStatement s =
              w.statement("DELETE FROM webhook_subscriptions WHERE app = ? AND id = ?");
          s.setString(1, app);
          s.setString(2, id);
          return s.executeUpdate() > 0;
        });
  }

  @Override
  public CompletableFuture<Void> enqueue(List<WebhookDelivery> deliveries) {
    List<WebhookDelivery> rows = List.copyOf(deliveries);
    return base.writer()
        .submit(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO webhook_deliveries ("
                      + DELIVERY_COLUMNS
                      + ", lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
          for (WebhookDelivery d : rows) {
            ps.setString(1, d.app());
            ps.setString(2, d.id());
            ps.setString(3, d.subscription());
            ps.setString(4, d.eventId());
            ps.setString(5, d.type());
            ps.setString(6, d.body());
            ps.setString(7, d.status().wire());
            ps.setInt(8, d.attempts());
            ps.setLong(9, d.nextAttemptAt());
            ps.setString(10, d.lastError());
            ps.setInt(11, d.responseCode());
            ps.setLong(12, d.createdAt());
            ps.setLong(13, d.updatedAt());
            ps.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public List<WebhookDelivery> claim(long now, long leaseUntil, int limit) {
    return base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE webhook_deliveries SET lease_until = ? WHERE id IN (SELECT id FROM"
                      + " webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
                      + " AND lease_until <= ? ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)"
                      + " RETURNING "
                      + DELIVERY_COLUMNS);
          ps.setLong(1, leaseUntil);
          ps.setLong(2, now);
          ps.setLong(3, now);
          ps.setInt(4, limit);
          return deliveries(ps);
        });
  }

  @Override
  public void settle(WebhookDelivery d) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,"
                      + " last_error = ?, response_code = ?, updated_at = ?, lease_until = 0"
                      + " WHERE id = ?");
          ps.setString(1, d.status().wire());
          ps.setInt(2, d.attempts());
          ps.setLong(3, d.nextAttemptAt());
          ps.setString(4, d.lastError());
          ps.setInt(5, d.responseCode());
          ps.setLong(6, d.updatedAt());
          ps.setString(7, d.id());
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public Optional<WebhookDelivery> delivery(String app, String id) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT " + DELIVERY_COLUMNS + " FROM webhook_deliveries WHERE app = ? AND id = ?")) {
        ps.setString(1, app);
        ps.setString(2, id);
        return deliveries(ps).stream().findFirst();
      }
    });
  }

  @Override
  public List<WebhookDelivery> deliveries(
      String app, String subscription, String beforeId, int limit) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT "
                  + DELIVERY_COLUMNS
                  + " FROM webhook_deliveries WHERE app = ? AND subscription = ?"
                  + (beforeId.isEmpty() ? "" : " AND id < ?")
                  + " ORDER BY id DESC LIMIT ?")) {
        ps.setString(1, app);
        ps.setString(2, subscription);
        int i = 3;
        if (!beforeId.isEmpty()) {
          ps.setString(i++, beforeId);
        }
        ps.setInt(i, limit);
        return deliveries(ps);
      }
    });
  }

  @Override
  public int replayFailed(String app, String subscription, long from, long to, long now) {
    return base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,"
                      + " next_attempt_at = ?, last_error = '', response_code = 0, updated_at = ?,"
                      + " lease_until = 0 WHERE app = ? AND subscription = ? AND status = 'failed'"
                      + " AND created_at >= ? AND created_at < ?");
          ps.setLong(1, now);
          ps.setLong(2, now);
          ps.setString(3, app);
          ps.setString(4, subscription);
          ps.setLong(5, from);
          ps.setLong(6, to);
          return ps.executeUpdate();
        });
  }

  @Override
  public void putBeforeSendHook(BeforeSendHook h) {
    base.writer()
        .call(w -> {
          PreparedStatement ps =
              w.statement(
                  "INSERT INTO before_send_hooks (app, url, secret, fail_open, timeout_ms,"
                      + " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app) DO UPDATE SET"
                      + " url = excluded.url, secret = excluded.secret,"
                      + " fail_open = excluded.fail_open, timeout_ms = excluded.timeout_ms,"
                      + " updated_at = excluded.updated_at");
          ps.setString(1, h.app());
          ps.setString(2, h.url());
          ps.setString(3, h.secret());
          ps.setBoolean(4, h.failOpen());
          ps.setInt(5, h.timeoutMillis());
          ps.setLong(6, h.updatedAt());
          ps.executeUpdate();
          return null;
        });
  }

  @Override
  public Optional<BeforeSendHook> beforeSendHook(String app) {
    return base.read(c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT app, url, secret, fail_open, timeout_ms, updated_at FROM before_send_hooks"
                  + " WHERE app = ?")) {
        ps.setString(1, app);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(
                  new BeforeSendHook(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getBoolean(4),
                      rs.getInt(5),
                      rs.getLong(6)))
              : Optional.<BeforeSendHook>empty();
        }
      }
    });
  }

  @Override
  public boolean deleteBeforeSendHook(String app) {
    return base.writer()
        .call(w -> {
          PreparedStatement ps = w.statement("DELETE FROM before_send_hooks WHERE app = ?");
          ps.setString(1, app);
          return ps.executeUpdate() > 0;
        });
  }

  @Override
  public long pending() {
    return base.read(c -> {
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  private static WebhookSubscription subscription(ResultSet rs) throws SQLException {
    return new WebhookSubscription(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        Arrays.asList(rs.getString(4).split(",", -1)),
        rs.getBoolean(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getLong(9),
        rs.getInt(10),
        rs.getString(11),
        rs.getLong(12),
        rs.getLong(13));
  }

  private static List<WebhookDelivery> deliveries(PreparedStatement ps) throws SQLException {
    List<WebhookDelivery> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new WebhookDelivery(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                WebhookDelivery.Status.valueOf(rs.getString(7).toUpperCase(Locale.ROOT)),
                rs.getInt(8),
                rs.getLong(9),
                rs.getString(10),
                rs.getInt(11),
                rs.getLong(12),
                rs.getLong(13)));
      }
    }
    return out;
  }
}
