-- A directory clerk's link to the provider (docs/operations.md, "Several
-- nodes"): per staff session (by its token hash), the OpenID provider's
-- grant or the LDAP flag that the session is re-checked with, so every
-- node re-checks it and a restart keeps it. sealed holds the grant (ID,
-- refresh and access token) sealed with a key derived from the session
-- token, which only the browser has: a copy of the database opens nothing.
-- checked_at (Unix ms) is the last re-check: updates are conditional on
-- it, so only one node refreshes a grant. Rows go with their session.
CREATE TABLE sso_grants (
	session_hash TEXT PRIMARY KEY,
	login TEXT NOT NULL,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL DEFAULT '',
	sealed BLOB NOT NULL,
	checked_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sso_grants_login ON sso_grants (login);
