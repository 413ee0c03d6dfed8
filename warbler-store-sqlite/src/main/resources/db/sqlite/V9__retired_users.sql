-- Deleted user ids are retired for good (ADR 0014): the id names conversations, messages,
-- reactions, receipts, audit entries and tokens minted by app backends, so a later user with the
-- same id would inherit all of them. deleteUser adds a row here in the same transaction as the
-- delete; createUser refuses an id found here.
CREATE TABLE retired_users (
  app        TEXT NOT NULL,
  id         TEXT NOT NULL,
  -- When the user was deleted (epoch ms); 0 = before this table existed (back-filled below).
  deleted_at INTEGER NOT NULL,
  PRIMARY KEY (app, id)
) WITHOUT ROWID;

-- Users deleted before this migration: ids that the data still names but that have no user row.
-- Only places an id reaches after the user existed; a revoked token's subject is left out, as
-- the app backend can revoke a token it minted for a user it never created.
INSERT OR IGNORE INTO retired_users (app, id, deleted_at)
SELECT named.app, named.id, 0 FROM (
  SELECT app, sender AS id FROM messages WHERE sender <> ''
  UNION SELECT app, user_id FROM members
  UNION SELECT app, user_id FROM message_mentions WHERE user_id <> '*'
  UNION SELECT app, user_id FROM message_reactions
  UNION SELECT app, user_id FROM hidden_messages
  UNION SELECT app, user_id FROM usage_active
  UNION SELECT app, user_id FROM user_access
  UNION SELECT app, user_id FROM friends
  UNION SELECT app, friend FROM friends
  UNION SELECT app, from_user FROM friend_requests
  UNION SELECT app, to_user FROM friend_requests
  UNION SELECT app, blocker FROM blocks
  UNION SELECT app, blocked FROM blocks
  UNION SELECT app, user_id FROM group_bans
  UNION SELECT app, user_id FROM group_join_requests
  UNION SELECT app, owner FROM chat_groups
  UNION SELECT app, substr(id, 3) FROM conversations WHERE substr(id, 1, 2) = 's:'
  UNION SELECT app, substr(id, 3, instr(substr(id, 3), ':') - 1) FROM conversations
   WHERE substr(id, 1, 2) = 'd:'
  UNION SELECT app, substr(substr(id, 3), instr(substr(id, 3), ':') + 1) FROM conversations
   WHERE substr(id, 1, 2) = 'd:'
  UNION SELECT app, target FROM audit_log
   WHERE outcome = 'ok'
     AND action IN ('user.delete', 'user.ban', 'user.unban', 'user.tokens.revoke', 'token.issue')
  UNION SELECT app, substr(actor, 6) FROM audit_log WHERE substr(actor, 1, 5) = 'user:'
) AS named
WHERE named.id <> ''
  AND named.app <> ''
  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.app = named.app AND u.id = named.id);
