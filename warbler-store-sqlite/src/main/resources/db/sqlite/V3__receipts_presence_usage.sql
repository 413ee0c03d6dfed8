-- Receipts, presence, user profiles and usage metering (issue 3, receipts and state).

-- How far each member's devices have received the conversation (read_seq implies delivery).
ALTER TABLE members ADD COLUMN delivered_seq INTEGER NOT NULL DEFAULT 0;

-- When the user's last connection closed (epoch ms; 0 = never seen), and its profile.
ALTER TABLE users ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN avatar_url TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';

-- Per app and UTC day ('YYYY-MM-DD'): messages stored, their text + payload bytes (UTF-8), and
-- the most connections open at once.
CREATE TABLE usage_days (
  app              TEXT NOT NULL,
  day              TEXT NOT NULL,
  messages         INTEGER NOT NULL DEFAULT 0,
  bytes            INTEGER NOT NULL DEFAULT 0,
  peak_connections INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (app, day)
) WITHOUT ROWID;

-- Users active (authenticated or sent) per app and UTC day.
CREATE TABLE usage_active (
  app     TEXT NOT NULL,
  day     TEXT NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (app, day, user_id)
) WITHOUT ROWID;

-- Messages stored before metering existed count too; CHANGE entries (type 5: recall, edit,
-- reaction) are not messages sent.
INSERT INTO usage_days (app, day, messages, bytes)
SELECT app, strftime('%Y-%m-%d', sent_at / 1000, 'unixepoch'), count(*),
       sum(length(CAST(text AS BLOB)) + length(CAST(payload AS BLOB)))
FROM messages WHERE type <> 5 GROUP BY 1, 2;

INSERT OR IGNORE INTO usage_active (app, day, user_id)
SELECT DISTINCT app, strftime('%Y-%m-%d', sent_at / 1000, 'unixepoch'), sender
FROM messages WHERE sender <> '';
