-- Sync change positions come from the database (issue 10, ADR 0020): one counter row, read and
-- advanced by each write transaction under SQLite's write lock, so that every writer on the file
-- (another process today, another node later) takes positions in commit order. The process-local
-- counter it replaces restarted from the largest position stored, which this row starts from.
CREATE TABLE sync_position (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  -- The largest change position handed out so far; the next one is above it.
  value INTEGER NOT NULL
);

INSERT INTO sync_position (id, value)
SELECT 1, max(coalesce((SELECT max(change_pos) FROM conversations), 0),
              coalesce((SELECT max(change_pos) FROM members), 0));
