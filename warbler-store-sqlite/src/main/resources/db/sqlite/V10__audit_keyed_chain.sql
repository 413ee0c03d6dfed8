-- The audit chain becomes keyed (issue 9): every entry from now on carries an HMAC under a key
-- kept outside the database. Entries written before stay as they were (keyed = 0, plain SHA-256);
-- the first keyed entry's MAC covers their head, and none may follow a keyed one.
ALTER TABLE audit_log ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;

-- Each app's own numbering of its entries, from 1 without gaps: an app's view of the log shows it
-- instead of the global seq, whose gaps told one tenant how active the others were.
ALTER TABLE audit_log ADD COLUMN app_seq INTEGER NOT NULL DEFAULT 0;
UPDATE audit_log
   SET app_seq = numbered.n
  FROM (SELECT seq, row_number() OVER (PARTITION BY app ORDER BY seq) AS n FROM audit_log) AS numbered
 WHERE audit_log.seq = numbered.seq;
CREATE UNIQUE INDEX audit_log_app_seq ON audit_log (app, app_seq);
