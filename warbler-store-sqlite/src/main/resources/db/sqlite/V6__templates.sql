-- Notification templates of an app: text with {field} placeholders, rendered at send time.
CREATE TABLE templates (
  app        TEXT NOT NULL,
  id         TEXT NOT NULL,
  text       TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;
