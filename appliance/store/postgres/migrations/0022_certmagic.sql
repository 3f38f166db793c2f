-- PostgreSQL port of migrations/0022_certmagic.sql (same version): the
-- certificates, keys and ACME account all nodes share (tlsconf's
-- SharedStorage). Keys compare byte-wise (COLLATE "C"), whatever the
-- database's locale, so a key prefix is a key range ('a/' to 'a0').
CREATE TABLE certmagic_data (
	key TEXT COLLATE "C" PRIMARY KEY,
	value BYTEA NOT NULL,
	modified BIGINT NOT NULL
);

-- A lock is held until expires (Unix ms); its holder moves expires on
-- while it lives, so the lock of a node that died is free after the
-- stale timeout.
CREATE TABLE certmagic_locks (
	name TEXT COLLATE "C" PRIMARY KEY,
	owner TEXT NOT NULL,
	expires BIGINT NOT NULL
);
