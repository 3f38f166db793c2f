-- PostgreSQL port of migrations/0016_roles.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- External roles (issue 13): a participant's name is kept apart from its
-- role and language, so each reader sees the role in their own language;
-- identity becomes a pseudonym. Older rows keep their composed identity
-- as the name.
ALTER TABLE participants ADD COLUMN name TEXT NOT NULL DEFAULT '';
UPDATE participants SET name = identity WHERE name = '';
