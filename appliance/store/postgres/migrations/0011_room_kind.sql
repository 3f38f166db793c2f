-- PostgreSQL port of migrations/0011_room_kind.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- The kind of a room (package consultation): every room so far is a
-- consultation opened by the reception for a ticket; permanent rooms and
-- events come later and have no ticket.
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'consultation';
