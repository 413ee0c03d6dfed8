-- Groups grown up: profile and settings, roles, mutes, bans and join requests.

-- Profile and settings. `custom` is a JSON object (or empty); `deleted_at` > 0 marks a deleted
-- group: its id stays taken and its members keep read access to the history.
ALTER TABLE chat_groups ADD COLUMN avatar_url TEXT NOT NULL DEFAULT '';
ALTER TABLE chat_groups ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE chat_groups ADD COLUMN custom TEXT NOT NULL DEFAULT '';
ALTER TABLE chat_groups ADD COLUMN mute_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_groups ADD COLUMN join_policy TEXT NOT NULL DEFAULT 'INVITE_ONLY';
ALTER TABLE chat_groups ADD COLUMN invite_policy TEXT NOT NULL DEFAULT 'ADMINS';
ALTER TABLE chat_groups ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;

-- A member's role in a group ('owner', 'admin', 'member'; direct conversations keep 'member')
-- and until when (epoch ms) it may not send; 0 = not muted.
ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
ALTER TABLE members ADD COLUMN muted_until INTEGER NOT NULL DEFAULT 0;
UPDATE members SET role = 'owner'
 WHERE conversation LIKE 'g:%'
   AND EXISTS (SELECT 1 FROM chat_groups g
                WHERE g.app = members.app
                  AND g.id = substr(members.conversation, 3)
                  AND g.owner = members.user_id);

-- Banned users cannot join or be added until unbanned.
CREATE TABLE group_bans (
  app       TEXT NOT NULL,
  group_id  TEXT NOT NULL,
  user_id   TEXT NOT NULL,
  banned_by TEXT NOT NULL,
  banned_at INTEGER NOT NULL,
  PRIMARY KEY (app, group_id, user_id)
) WITHOUT ROWID;

-- Pending requests to join a group whose join policy is APPROVAL.
CREATE TABLE group_join_requests (
  app          TEXT NOT NULL,
  group_id     TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  message      TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  PRIMARY KEY (app, group_id, user_id)
) WITHOUT ROWID;
