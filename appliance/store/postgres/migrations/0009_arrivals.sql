-- PostgreSQL port of migrations/0009_arrivals.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- The join link in the slot (issue 12, section 4). A booking whose
-- citizen opened the join link in its window is 'arrived' and names its
-- reception ticket; one whose window passed without that is 'no_show'.
-- A ticket created by an arrival carries the booking's id, start and
-- service name, so it goes first in its office's queue (by slot time,
-- after a restart too) and the clerk sees "Termin 10:15".
ALTER TABLE appointments ADD COLUMN ticket_id TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN arrived_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN appointment_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN appointment_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN service TEXT NOT NULL DEFAULT '';
