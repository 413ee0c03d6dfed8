-- Webhook subscriptions of an app, and the outbox of their deliveries (also the delivery log).
CREATE TABLE webhook_subscriptions (
  app                   text COLLATE "C" NOT NULL,
  id                    text COLLATE "C" NOT NULL,
  url                   text NOT NULL,
  events                text NOT NULL,          -- comma-separated types, or '*'
  enabled               boolean NOT NULL,
  description           text NOT NULL,
  secret                text NOT NULL,
  previous_secret       text NOT NULL,
  previous_secret_until bigint NOT NULL,
  failures              integer NOT NULL,
  disabled_reason       text NOT NULL,
  created_at            bigint NOT NULL,
  updated_at            bigint NOT NULL,
  PRIMARY KEY (app, id)
);

CREATE TABLE webhook_deliveries (
  id              text COLLATE "C" NOT NULL PRIMARY KEY,  -- sorts by creation time
  app             text COLLATE "C" NOT NULL,
  subscription    text COLLATE "C" NOT NULL,
  event_id        text NOT NULL,
  type            text NOT NULL,
  body            text NOT NULL,
  status          text NOT NULL,                          -- pending, delivered, failed
  attempts        integer NOT NULL,
  next_attempt_at bigint NOT NULL,
  lease_until     bigint NOT NULL,
  last_error      text NOT NULL,
  response_code   integer NOT NULL,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (app, subscription, id);

-- An app's before-send hook: one URL called synchronously before a user's message is stored.
CREATE TABLE before_send_hooks (
  app        text COLLATE "C" NOT NULL PRIMARY KEY,
  url        text NOT NULL,
  secret     text NOT NULL,
  fail_open  boolean NOT NULL,
  timeout_ms integer NOT NULL,
  updated_at bigint NOT NULL
);
