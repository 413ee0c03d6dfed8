-- The sensitive-word filter (issue 12, part 5; ADR 0025). One row per app whose list or settings
-- ever changed: its version advances with every change, so a node reloads an app's list when the
-- version it compiled is not the stored one.
CREATE TABLE moderation_lists (
  app            TEXT NOT NULL PRIMARY KEY,
  version        INTEGER NOT NULL,
  enabled        INTEGER NOT NULL,
  default_action TEXT NOT NULL
) WITHOUT ROWID;

-- The words, in normalised form (the key), each with its action and an optional category.
CREATE TABLE moderation_words (
  app      TEXT NOT NULL,
  word     TEXT NOT NULL,
  action   TEXT NOT NULL,
  category TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (app, word)
) WITHOUT ROWID;

-- Messages that matched a review word: a reference to the message (never its text), one per
-- message id, time-ordered by that id.
CREATE TABLE moderation_reviews (
  app          TEXT NOT NULL,
  id           TEXT NOT NULL,
  conversation TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  sender       TEXT NOT NULL,
  categories   TEXT NOT NULL,
  status       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  decided_at   INTEGER NOT NULL,
  decided_by   TEXT NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;

CREATE INDEX moderation_reviews_by_status ON moderation_reviews (app, status, id);
