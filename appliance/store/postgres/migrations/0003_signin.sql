-- PostgreSQL port of migrations/0003_signin.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- Staff sign-in (issue 10): log-ins are throttled in memory per client
-- address and per account instead of locking the account, so the lockout
-- columns go; sessions remember their last use for the idle timeout
-- (0 = not yet recorded, taken as "now" at the next use). clerks.must_change
-- (from 0001) now marks a one-time password the clerk must replace.
ALTER TABLE clerks DROP COLUMN failed_count;
ALTER TABLE clerks DROP COLUMN failed_since;
ALTER TABLE clerks DROP COLUMN locked_until;
ALTER TABLE sessions ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS sessions_by_login ON sessions (login);
