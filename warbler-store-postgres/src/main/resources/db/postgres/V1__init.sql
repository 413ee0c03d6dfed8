-- Warbler's PostgreSQL schema, version 1: what SQLite's V1..V11 (db/sqlite) ended with, squashed
-- (no PostgreSQL deployment predates it), in PostgreSQL's types (ADR 0021). Times are epoch
-- milliseconds in bigint as in SQLite; flags are 0/1 smallints, as the shared row mapping reads
-- them. Every text column that is compared or ordered collates "C", so that ids sort by code point
-- as in SQLite (BINARY) whatever the database's default collation. Tables land in the schema of
-- store.postgres.schema (Flyway creates it and sets the search path).

CREATE TABLE apps (
  id         text COLLATE "C" PRIMARY KEY,
  name       text NOT NULL,
  secret     text NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE users (
  app        text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  name       text NOT NULL,
  created_at bigint NOT NULL,
  -- When the user's last connection closed (epoch ms; 0 = never seen), and its profile.
  last_seen  bigint NOT NULL DEFAULT 0,
  avatar_url text NOT NULL DEFAULT '',
  custom     text NOT NULL DEFAULT '{}',
  PRIMARY KEY (app, id)
);

-- Deleted user ids are retired for good (ADR 0014).
CREATE TABLE retired_users (
  app        text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  deleted_at bigint NOT NULL,
  PRIMARY KEY (app, id)
);

CREATE TABLE chat_groups (
  app           text COLLATE "C" NOT NULL,
  id            text COLLATE "C" NOT NULL,
  name          text NOT NULL,
  owner         text COLLATE "C" NOT NULL,
  created_at    bigint NOT NULL,
  avatar_url    text NOT NULL DEFAULT '',
  description   text NOT NULL DEFAULT '',
  custom        text NOT NULL DEFAULT '',
  mute_all      smallint NOT NULL DEFAULT 0,
  join_policy   text NOT NULL DEFAULT 'INVITE_ONLY',
  invite_policy text NOT NULL DEFAULT 'ADMINS',
  -- > 0 marks a deleted group: its id stays taken, its members keep read access to the history.
  deleted_at    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (app, id)
);

-- One row per conversation: the seq allocator (updated in the appending transaction, so seqs
-- have no gaps and no duplicates across nodes) and the sync change position.
CREATE TABLE conversations (
  app        text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  last_seq   bigint NOT NULL,
  change_pos bigint NOT NULL,
  PRIMARY KEY (app, id)
);

-- Who is in which conversation, how far each has received and read, its role and its settings.
CREATE TABLE members (
  app           text COLLATE "C" NOT NULL,
  conversation  text COLLATE "C" NOT NULL,
  user_id       text COLLATE "C" NOT NULL,
  read_seq      bigint NOT NULL,
  change_pos    bigint NOT NULL,
  delivered_seq bigint NOT NULL DEFAULT 0,
  role          text NOT NULL DEFAULT 'member',
  muted_until   bigint NOT NULL DEFAULT 0,
  pinned        smallint NOT NULL DEFAULT 0,
  muted         smallint NOT NULL DEFAULT 0,
  archived      smallint NOT NULL DEFAULT 0,
  custom        text NOT NULL DEFAULT '',
  PRIMARY KEY (app, conversation, user_id)
);
CREATE INDEX members_by_user ON members (app, user_id);

-- Messages are stored once per conversation (read diffusion), never per member. The partitioning
-- plan (hash by app and conversation, then range by time) is in ADR 0021.
CREATE TABLE messages (
  app            text COLLATE "C" NOT NULL,
  conversation   text COLLATE "C" NOT NULL,
  seq            bigint NOT NULL,
  id             text NOT NULL,
  client_msg_id  text COLLATE "C" NOT NULL,
  sender         text COLLATE "C" NOT NULL,
  type           integer NOT NULL,
  text           text NOT NULL,
  payload        text NOT NULL,
  sent_at        bigint NOT NULL,
  reply_to       bigint NOT NULL DEFAULT 0,
  -- Mentioned user ids separated by single spaces (ids never contain spaces).
  mentions       text NOT NULL DEFAULT '',
  mention_all    smallint NOT NULL DEFAULT 0,
  -- CONVERSATION#SEQ of the forwarded message, or empty.
  forwarded_from text NOT NULL DEFAULT '',
  recalled       smallint NOT NULL DEFAULT 0,
  edited_at      bigint NOT NULL DEFAULT 0,
  -- Reaction counts, "EMOJI COUNT EMOJI COUNT ...", first reaction first.
  reactions      text NOT NULL DEFAULT '',
  -- CHANGE entries (type 5): the target seq and what changed (1 recall, 2 edit, 3 reaction added,
  -- 4 reaction removed).
  change_target  bigint NOT NULL DEFAULT 0,
  change_kind    integer NOT NULL DEFAULT 0,
  change_emoji   text NOT NULL DEFAULT '',
  change_count   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (app, conversation, seq)
);
-- Idempotency: one message per (app, sender, client message id), whichever node stored it.
CREATE UNIQUE INDEX messages_idempotency ON messages (app, sender, client_msg_id);

-- Who is mentioned where; user_id '*' is @all.
CREATE TABLE message_mentions (
  app          text COLLATE "C" NOT NULL,
  conversation text COLLATE "C" NOT NULL,
  user_id      text COLLATE "C" NOT NULL,
  seq          bigint NOT NULL,
  sender       text COLLATE "C" NOT NULL,
  PRIMARY KEY (app, conversation, user_id, seq)
);

-- One row per (message, emoji, user).
CREATE TABLE message_reactions (
  app          text COLLATE "C" NOT NULL,
  conversation text COLLATE "C" NOT NULL,
  seq          bigint NOT NULL,
  emoji        text COLLATE "C" NOT NULL,
  user_id      text COLLATE "C" NOT NULL,
  reacted_at   bigint NOT NULL,
  PRIMARY KEY (app, conversation, seq, emoji, user_id)
);
CREATE INDEX message_reactions_by_user ON message_reactions (app, conversation, user_id, seq);

-- Messages a user deleted for itself.
CREATE TABLE hidden_messages (
  app          text COLLATE "C" NOT NULL,
  user_id      text COLLATE "C" NOT NULL,
  conversation text COLLATE "C" NOT NULL,
  seq          bigint NOT NULL,
  PRIMARY KEY (app, user_id, conversation, seq)
);

-- Per app and UTC day ('YYYY-MM-DD'): messages stored, their bytes, the most connections at once.
CREATE TABLE usage_days (
  app              text COLLATE "C" NOT NULL,
  day              text COLLATE "C" NOT NULL,
  messages         bigint NOT NULL DEFAULT 0,
  bytes            bigint NOT NULL DEFAULT 0,
  peak_connections bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (app, day)
);

CREATE TABLE usage_active (
  app     text COLLATE "C" NOT NULL,
  day     text COLLATE "C" NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (app, day, user_id)
);

CREATE TABLE group_bans (
  app       text COLLATE "C" NOT NULL,
  group_id  text COLLATE "C" NOT NULL,
  user_id   text COLLATE "C" NOT NULL,
  banned_by text NOT NULL,
  banned_at bigint NOT NULL,
  PRIMARY KEY (app, group_id, user_id)
);

CREATE TABLE group_join_requests (
  app          text COLLATE "C" NOT NULL,
  group_id     text COLLATE "C" NOT NULL,
  user_id      text COLLATE "C" NOT NULL,
  message      text NOT NULL,
  requested_at bigint NOT NULL,
  PRIMARY KEY (app, group_id, user_id)
);

CREATE TABLE chatrooms (
  app         text COLLATE "C" NOT NULL,
  id          text COLLATE "C" NOT NULL,
  name        text NOT NULL,
  max_members bigint NOT NULL,
  created_at  bigint NOT NULL,
  PRIMARY KEY (app, id)
);

CREATE TABLE friend_requests (
  app        text COLLATE "C" NOT NULL,
  from_user  text COLLATE "C" NOT NULL,
  to_user    text COLLATE "C" NOT NULL,
  message    text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (app, from_user, to_user)
);
CREATE INDEX friend_requests_incoming ON friend_requests (app, to_user, from_user);

CREATE TABLE friends (
  app     text COLLATE "C" NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  friend  text COLLATE "C" NOT NULL,
  since   bigint NOT NULL,
  PRIMARY KEY (app, user_id, friend)
);

CREATE TABLE blocks (
  app     text COLLATE "C" NOT NULL,
  blocker text COLLATE "C" NOT NULL,
  blocked text COLLATE "C" NOT NULL,
  since   bigint NOT NULL,
  PRIMARY KEY (app, blocker, blocked)
);

CREATE TABLE templates (
  app        text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  text       text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (app, id)
);

CREATE TABLE user_access (
  app               text COLLATE "C" NOT NULL,
  user_id           text COLLATE "C" NOT NULL,
  banned_at         bigint NOT NULL DEFAULT 0,
  ban_reason        text NOT NULL DEFAULT '',
  tokens_not_before bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (app, user_id)
);

CREATE TABLE revoked_tokens (
  app        text COLLATE "C" NOT NULL,
  token_id   text COLLATE "C" NOT NULL,
  user_id    text COLLATE "C" NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (app, token_id)
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);

-- Append-only, hash-chained and keyed (AuditChain); appends serialize on an advisory lock.
CREATE TABLE audit_log (
  seq       bigint PRIMARY KEY,
  time      bigint NOT NULL,
  app       text COLLATE "C" NOT NULL,
  actor     text COLLATE "C" NOT NULL,
  ip        text NOT NULL,
  action    text COLLATE "C" NOT NULL,
  target    text NOT NULL,
  outcome   text NOT NULL,
  error     text NOT NULL,
  count     bigint NOT NULL,
  detail    text NOT NULL,
  prev_hash text NOT NULL,
  hash      text NOT NULL,
  keyed     smallint NOT NULL DEFAULT 0,
  app_seq   bigint NOT NULL DEFAULT 0
);
CREATE INDEX audit_log_app ON audit_log (app, seq);
CREATE INDEX audit_log_time ON audit_log (time);
CREATE UNIQUE INDEX audit_log_app_seq ON audit_log (app, app_seq);

CREATE TABLE app_encryption (
  app        text COLLATE "C" PRIMARY KEY,
  enabled    smallint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE app_data_keys (
  app           text COLLATE "C" NOT NULL,
  version       integer NOT NULL,
  wrapped       bytea NOT NULL,
  master_key_id text NOT NULL,
  created_at    bigint NOT NULL,
  PRIMARY KEY (app, version)
);

-- Sync change positions (ADR 0020, 0021): one counter row, locked by each writing transaction
-- that takes a position and held until its commit, so positions rise in commit order across nodes.
CREATE TABLE sync_position (
  id    integer PRIMARY KEY CHECK (id = 1),
  value bigint NOT NULL
);
INSERT INTO sync_position (id, value) VALUES (1, 0);
