-- When the outbox first tried a message. notify.max_age counts from here,
-- not from created_at: a reminder is stored with its booking weeks ahead
-- (next_attempt = its due time) and must not count as old when it is due.
ALTER TABLE outbox ADD COLUMN first_attempt BIGINT NOT NULL DEFAULT 0;
