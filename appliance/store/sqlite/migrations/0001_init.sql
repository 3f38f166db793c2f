-- buergerbuero schema v1. Times are Unix milliseconds (INTEGER), so the same
-- statements run on SQLite and PostgreSQL (BIGINT).
CREATE TABLE IF NOT EXISTS offices (
  id TEXT PRIMARY KEY,
  position INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL                       -- JSON of reception.Office
);
CREATE TABLE IF NOT EXISTS clerks (
  login TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  must_change INTEGER NOT NULL DEFAULT 0,
  matrix_id TEXT NOT NULL DEFAULT '',
  presence TEXT NOT NULL DEFAULT 'offline',
  failed_count INTEGER NOT NULL DEFAULT 0,
  failed_since BIGINT NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS memberships (
  login TEXT NOT NULL,
  office_id TEXT NOT NULL,
  PRIMARY KEY (login, office_id)
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  csrf TEXT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
  office_id TEXT NOT NULL,
  day TEXT NOT NULL,
  next INTEGER NOT NULL,
  PRIMARY KEY (office_id, day)
);
CREATE TABLE IF NOT EXISTS tickets (
  id TEXT PRIMARY KEY,
  office_id TEXT NOT NULL,
  number TEXT NOT NULL,
  day TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  concern TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL,
  state TEXT NOT NULL,
  knocked_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  called_at BIGINT NOT NULL DEFAULT 0,
  started_at BIGINT NOT NULL DEFAULT 0,
  ended_at BIGINT NOT NULL DEFAULT 0,
  clerk TEXT NOT NULL DEFAULT '',
  reserved_for TEXT NOT NULL DEFAULT '',
  forwarded_from TEXT NOT NULL DEFAULT '',
  forward_note TEXT NOT NULL DEFAULT '',
  decline_message TEXT NOT NULL DEFAULT '',
  room_id TEXT NOT NULL DEFAULT '',
  estimate_ms BIGINT NOT NULL DEFAULT 0,
  purged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tickets_by_state ON tickets (state, office_id, knocked_at);
CREATE INDEX IF NOT EXISTS tickets_by_number ON tickets (number, day);
CREATE TABLE IF NOT EXISTS notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_id TEXT NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_by_ticket ON notes (ticket_id);
CREATE TABLE IF NOT EXISTS rooms (
  id TEXT PRIMARY KEY,
  ticket_id TEXT NOT NULL,
  office_id TEXT NOT NULL,
  clerk TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id TEXT NOT NULL,
  author_role TEXT NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  file_id TEXT NOT NULL DEFAULT '',
  client_id TEXT NOT NULL DEFAULT '',
  at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS messages_idempotent ON messages (room_id, author_role, client_id) WHERE client_id <> '';
CREATE TABLE IF NOT EXISTS files (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  size BIGINT NOT NULL,
  data BLOB NOT NULL,
  at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
  token_hash TEXT PRIMARY KEY,
  room_id TEXT NOT NULL,
  role TEXT NOT NULL,
  identity TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT '',
  expires BIGINT NOT NULL,
  used_at BIGINT NOT NULL DEFAULT 0,
  kind TEXT NOT NULL                          -- invite (single use) or session
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  office_id TEXT NOT NULL DEFAULT '',
  room_id TEXT NOT NULL DEFAULT '',
  at BIGINT NOT NULL,
  payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  ticket_id TEXT NOT NULL DEFAULT '',
  office_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS handling (
  office_id TEXT NOT NULL,
  ended_at BIGINT NOT NULL,
  ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS handling_by_office ON handling (office_id, ended_at);
CREATE TABLE IF NOT EXISTS connections (
  ticket_id TEXT PRIMARY KEY,
  disconnected_at BIGINT NOT NULL
);
