-- PostgreSQL port of migrations/0021_cluster.sql (same version): BLOB is
-- BYTEA; and every insert into events notifies the channel bb_events at
-- commit, which wakes the other nodes' followers (store/listen.go).
ALTER TABLE events ADD COLUMN node TEXT NOT NULL DEFAULT '';

-- The newest knock time of an office's day: a knock committed after it is
-- stamped later, whatever the clock of the node that took it, so the
-- queue's order (by knock time) is the order of the numbers.
ALTER TABLE counters ADD COLUMN last_knock BIGINT NOT NULL DEFAULT 0;

CREATE TABLE single_use (
	kind TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	body BYTEA NOT NULL,
	expires BIGINT NOT NULL,
	PRIMARY KEY (kind, key_hash)
);
CREATE INDEX single_use_expires ON single_use (expires);

CREATE TABLE shared_secrets (
	name TEXT PRIMARY KEY,
	value BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE FUNCTION bb_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('bb_events', '');
	RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION bb_events_notify();
