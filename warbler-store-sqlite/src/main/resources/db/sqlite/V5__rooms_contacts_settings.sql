-- Chatroom definitions, contacts and per-user conversation settings.

-- Only the definition of a chatroom is stored: presence and recent messages live in memory.
CREATE TABLE chatrooms (
  app         TEXT NOT NULL,
  id          TEXT NOT NULL,
  name        TEXT NOT NULL,
  max_members INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;

-- Pending friend requests; a row is deleted when the request is answered.
CREATE TABLE friend_requests (
  app        TEXT NOT NULL,
  from_user  TEXT NOT NULL,
  to_user    TEXT NOT NULL,
  message    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (app, from_user, to_user)
) WITHOUT ROWID;
CREATE INDEX friend_requests_incoming ON friend_requests (app, to_user, from_user);

-- Friendship is symmetric: one row per direction, so each user's list is one range scan.
CREATE TABLE friends (
  app     TEXT NOT NULL,
  user_id TEXT NOT NULL,
  friend  TEXT NOT NULL,
  since   INTEGER NOT NULL,
  PRIMARY KEY (app, user_id, friend)
) WITHOUT ROWID;

CREATE TABLE blocks (
  app     TEXT NOT NULL,
  blocker TEXT NOT NULL,
  blocked TEXT NOT NULL,
  since   INTEGER NOT NULL,
  PRIMARY KEY (app, blocker, blocked)
) WITHOUT ROWID;

-- Each member's own settings of a conversation, synced through the member row's change_pos.
ALTER TABLE members ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN custom TEXT NOT NULL DEFAULT '';
