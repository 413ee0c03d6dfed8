-- Message lifecycle: replies, mentions, forwards, recalls, edits, reactions, delete for me.

-- What a message was sent with, and what happened to it since. A recall clears text and payload.
ALTER TABLE messages ADD COLUMN reply_to INTEGER NOT NULL DEFAULT 0;
-- Mentioned user ids separated by single spaces (ids never contain spaces).
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN mention_all INTEGER NOT NULL DEFAULT 0;
-- CONVERSATION#SEQ of the forwarded message, or empty.
ALTER TABLE messages ADD COLUMN forwarded_from TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN recalled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;
-- Reaction counts, "EMOJI COUNT EMOJI COUNT ...", first reaction first (emoji have no spaces);
-- denormalized from message_reactions so that reads need no join.
ALTER TABLE messages ADD COLUMN reactions TEXT NOT NULL DEFAULT '';
-- CHANGE entries (type 5): the target seq and what changed. An edit entry keeps the new text
-- and payload in its own text and payload columns.
ALTER TABLE messages ADD COLUMN change_target INTEGER NOT NULL DEFAULT 0;
-- 1 recall, 2 edit, 3 reaction added, 4 reaction removed.
ALTER TABLE messages ADD COLUMN change_kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN change_emoji TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN change_count INTEGER NOT NULL DEFAULT 0;

-- Who is mentioned where; user_id '*' is @all. "Mentioned" in a user's state is an index
-- lookup for (user or '*') with seq above the user's read position.
CREATE TABLE message_mentions (
  app          TEXT NOT NULL,
  conversation TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  sender       TEXT NOT NULL,
  PRIMARY KEY (app, conversation, user_id, seq)
) WITHOUT ROWID;

-- One row per (message, emoji, user).
CREATE TABLE message_reactions (
  app          TEXT NOT NULL,
  conversation TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  emoji        TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  reacted_at   INTEGER NOT NULL,
  PRIMARY KEY (app, conversation, seq, emoji, user_id)
) WITHOUT ROWID;
CREATE INDEX message_reactions_by_user ON message_reactions (app, conversation, user_id, seq);

-- Messages a user deleted for itself.
CREATE TABLE hidden_messages (
  app          TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  conversation TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  PRIMARY KEY (app, user_id, conversation, seq)
) WITHOUT ROWID;
