-- Encryption at rest (ADR 0011): which apps encrypt message bodies, and their data keys.

-- An app encrypts new message bodies while enabled = 1. No row: never enabled.
CREATE TABLE app_encryption (
  app        TEXT PRIMARY KEY,
  enabled    INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One 256-bit data key per app and version, wrapped (AES-GCM) by a master key from the
-- configuration; never stored in clear. The highest version encrypts new writes; every
-- version stays to read what it encrypted. master_key_id names the master key that wrapped it
-- (a fingerprint, not the key).
CREATE TABLE app_data_keys (
  app           TEXT NOT NULL,
  version       INTEGER NOT NULL,
  wrapped       BLOB NOT NULL,
  master_key_id TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (app, version)
) WITHOUT ROWID;
