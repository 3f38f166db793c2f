-- Web administration (package admin): site settings the configuration
-- file leaves unset (key/value; an absent key means the default), and the
-- per-office waiting-room texts an admin types. Offices themselves stay in
-- the offices table; an office is owned by the file when the file declares
-- its id, otherwise by the database (web administration, admin CLI).
CREATE TABLE IF NOT EXISTS settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS office_texts (
  office_id TEXT PRIMARY KEY,
  greeting TEXT NOT NULL DEFAULT '',
  documents TEXT NOT NULL DEFAULT '',
  notice TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
-- The services of offices the web administration manages (a JSON array of
-- {id, name, duration (ns), languages, what_to_bring, mode}); the file's
-- offices keep theirs in the file.
CREATE TABLE IF NOT EXISTS office_services (
  office_id TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
