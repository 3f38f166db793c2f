-- PostgreSQL port of migrations/0012_documents.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- Documents in a room (package documents, issue 13 §1): who uploaded a
-- file (they and the clerk may delete it), and when it was deleted: its
-- bytes are gone at once, the row stays until the room's retention so a
-- download can say "deleted" (410) instead of "not found".
ALTER TABLE files ADD COLUMN uploader_role TEXT NOT NULL DEFAULT '';
ALTER TABLE files ADD COLUMN uploader TEXT NOT NULL DEFAULT '';
ALTER TABLE files ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;
