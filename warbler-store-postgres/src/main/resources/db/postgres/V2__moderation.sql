-- The sensitive-word filter (issue 12, part 5; ADR 0025). One row per app whose list or settings
-- ever changed: its version advances with every change, so a node reloads an app's list when the
-- version it compiled is not the stored one.
CREATE TABLE moderation_lists (
  app            text COLLATE "C" NOT NULL PRIMARY KEY,
  version        bigint NOT NULL,
  enabled        integer NOT NULL,
  default_action text NOT NULL
);

-- The words, in normalised form (the key), each with its action and an optional category.
CREATE TABLE moderation_words (
  app      text COLLATE "C" NOT NULL,
  word     text COLLATE "C" NOT NULL,
  action   text NOT NULL,
  category text NOT NULL,
  added_at bigint NOT NULL,
  PRIMARY KEY (app, word)
);

-- Messages that matched a review word: a reference to the message (never its text), one per
-- message id, time-ordered by that id.
CREATE TABLE moderation_reviews (
  app          text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  conversation text NOT NULL,
  seq          bigint NOT NULL,
  sender       text NOT NULL,
  categories   text NOT NULL,
  status       text NOT NULL,
  created_at   bigint NOT NULL,
  decided_at   bigint NOT NULL,
  decided_by   text NOT NULL,
  PRIMARY KEY (app, id)
);

CREATE INDEX moderation_reviews_by_status ON moderation_reviews (app, status, id);
