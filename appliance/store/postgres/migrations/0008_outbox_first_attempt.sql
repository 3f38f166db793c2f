-- PostgreSQL port of migrations/0008_outbox_first_attempt.sql (same version): AUTOINCREMENT keys are
-- identity columns, INTEGER is BIGINT, BLOB is BYTEA.
-- first_attempt: when the outbox first tried a message. notify.max_age
-- counts from here, not from created_at: a reminder is stored with its
-- booking weeks ahead (next_attempt = its due time) and must not count as
-- old when it is due.
-- claimed_at: set while a delivery loop holds the row (between claim and
-- the recorded outcome). A loop starting up releases the claims a killed
-- process left behind, so their messages go out at once, not after the
-- lease.
ALTER TABLE outbox ADD COLUMN first_attempt BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_at BIGINT NOT NULL DEFAULT 0;
