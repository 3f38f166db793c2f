-- Certificate storage shared by the nodes (tlsconf's SharedStorage, used
-- on PostgreSQL only: a single SQLite node keeps its certificates in
-- tls.storage_dir). The same tables here keep the versions of both
-- dialects equal and the store's statements valid on both.
CREATE TABLE certmagic_data (
	key TEXT PRIMARY KEY,
	value BLOB NOT NULL,
	modified BIGINT NOT NULL
);

CREATE TABLE certmagic_locks (
	name TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	expires BIGINT NOT NULL
);
