-- PostgreSQL port of migrations/0017_totp.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- TOTP second factor of local accounts: the shared secret ('' = none
-- enrolled) and the last time step a code was accepted for (a code is
-- valid once: that step and older ones are refused).
ALTER TABLE clerks ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE clerks ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
