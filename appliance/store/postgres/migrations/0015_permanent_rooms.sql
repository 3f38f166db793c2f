-- PostgreSQL port of migrations/0015_permanent_rooms.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- Permanent rooms (package permanent): a named room of an office with a
-- stable link ("Bauamt Besprechungsraum 1"). Its rooms row has kind
-- 'permanent', no ticket and no admitting clerk, and never ends; this
-- table adds the title and whether documents stay after the last person
-- left (the chat never does).
CREATE TABLE IF NOT EXISTS permanent_rooms (
  room_id TEXT PRIMARY KEY,
  office_id TEXT NOT NULL,
  title TEXT NOT NULL,
  keep_documents BIGINT NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS permanent_rooms_by_office ON permanent_rooms (office_id, title);
