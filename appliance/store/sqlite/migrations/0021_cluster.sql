-- Several nodes on one database (docs/operations.md, "Several nodes").
-- events.node names the process that wrote an event, so a node following
-- the stream skips its own changes (it applied them when it committed).
ALTER TABLE events ADD COLUMN node TEXT NOT NULL DEFAULT '';

-- The newest knock time of an office's day: a knock committed after it is
-- stamped later, whatever the clock of the node that took it, so the
-- queue's order (by knock time) is the order of the numbers.
ALTER TABLE counters ADD COLUMN last_knock BIGINT NOT NULL DEFAULT 0;

-- Single-use keys that one node issues and another redeems (stream keys,
-- media admission keys): stored under the SHA-256 of the key, the body
-- sealed with a key derived from it, so the table alone opens nothing.
CREATE TABLE single_use (
	kind TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	body BLOB NOT NULL,
	expires BIGINT NOT NULL,
	PRIMARY KEY (kind, key_hash)
);
CREATE INDEX single_use_expires ON single_use (expires);

-- Secrets every node must share (the proof-of-work key), drawn by the
-- first node that needs one.
CREATE TABLE shared_secrets (
	name TEXT PRIMARY KEY,
	value BLOB NOT NULL,
	created_at BIGINT NOT NULL
);
