-- Warbler embedded schema, version 1.
CREATE TABLE apps (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  secret     TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
  app        TEXT NOT NULL,
  id         TEXT NOT NULL,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;

CREATE TABLE chat_groups (
  app        TEXT NOT NULL,
  id         TEXT NOT NULL,
  name       TEXT NOT NULL,
  owner      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;

-- One row per conversation: the seq allocator and the sync change position.
CREATE TABLE conversations (
  app        TEXT NOT NULL,
  id         TEXT NOT NULL,
  last_seq   INTEGER NOT NULL,
  change_pos INTEGER NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;

-- Who is in which conversation, and how far each has read.
CREATE TABLE members (
  app          TEXT NOT NULL,
  conversation TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  read_seq     INTEGER NOT NULL,
  change_pos   INTEGER NOT NULL,
  PRIMARY KEY (app, conversation, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members (app, user_id);

-- Messages are stored once per conversation (read diffusion), never per member.
CREATE TABLE messages (
  app           TEXT NOT NULL,
  conversation  TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  id            TEXT NOT NULL,
  client_msg_id TEXT NOT NULL,
  sender        TEXT NOT NULL,
  type          INTEGER NOT NULL,
  text          TEXT NOT NULL,
  payload       TEXT NOT NULL,
  sent_at       INTEGER NOT NULL,
  PRIMARY KEY (app, conversation, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_idempotency ON messages (app, sender, client_msg_id);
