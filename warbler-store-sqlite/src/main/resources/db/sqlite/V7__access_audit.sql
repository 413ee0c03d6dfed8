-- App-wide bans and token revocation (issue 5, tokens), and the audit log (issue 5, audit).

-- One row per user that was ever banned or had its tokens revoked (epoch ms; 0 = none).
CREATE TABLE user_access (
  app               TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  banned_at         INTEGER NOT NULL DEFAULT 0,
  ban_reason        TEXT NOT NULL DEFAULT '',
  tokens_not_before INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (app, user_id)
) WITHOUT ROWID;

-- Single revoked tokens (by jti), kept until they would have expired.
CREATE TABLE revoked_tokens (
  app        TEXT NOT NULL,
  token_id   TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (app, token_id)
) WITHOUT ROWID;
CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);

-- Append-only, hash-chained: hash = SHA-256(prev_hash || canonical(entry)), see AuditChain.
CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,
  time      INTEGER NOT NULL,
  app       TEXT NOT NULL,
  actor     TEXT NOT NULL,
  ip        TEXT NOT NULL,
  action    TEXT NOT NULL,
  target    TEXT NOT NULL,
  outcome   TEXT NOT NULL,
  error     TEXT NOT NULL,
  count     INTEGER NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX audit_log_app ON audit_log (app, seq);
CREATE INDEX audit_log_time ON audit_log (time);
