-- Webhook subscriptions of an app, and the outbox of their deliveries (also the delivery log).
CREATE TABLE webhook_subscriptions (
  app                   TEXT NOT NULL,
  id                    TEXT NOT NULL,
  url                   TEXT NOT NULL,
  events                TEXT NOT NULL,          -- comma-separated types, or '*'
  enabled               INTEGER NOT NULL,
  description           TEXT NOT NULL,
  secret                TEXT NOT NULL,
  previous_secret       TEXT NOT NULL,
  previous_secret_until INTEGER NOT NULL,
  failures              INTEGER NOT NULL,
  disabled_reason       TEXT NOT NULL,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;

CREATE TABLE webhook_deliveries (
  id              TEXT NOT NULL PRIMARY KEY,    -- sorts by creation time
  app             TEXT NOT NULL,
  subscription    TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  type            TEXT NOT NULL,
  body            TEXT NOT NULL,
  status          TEXT NOT NULL,                -- pending, delivered, failed
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until     INTEGER NOT NULL,
  last_error      TEXT NOT NULL,
  response_code   INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (app, subscription, id);

-- An app's before-send hook: one URL called synchronously before a user's message is stored.
CREATE TABLE before_send_hooks (
  app        TEXT NOT NULL PRIMARY KEY,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL,
  fail_open  INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
