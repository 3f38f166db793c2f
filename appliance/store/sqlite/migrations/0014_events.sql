-- Citizens' hours and press conferences (appliance/events). Speakers are
-- staff logins (comma-separated, at most three); external speakers,
-- their invites and the anonymous viewers are members, each under the
-- SHA-256 of its token. Questions belong to a member by its public ID.
CREATE TABLE civic_events (
	id TEXT PRIMARY KEY,
	office_id TEXT NOT NULL,
	title TEXT NOT NULL,
	host TEXT NOT NULL,
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	service_id TEXT NOT NULL DEFAULT '',
	allow_video INTEGER NOT NULL DEFAULT 0,
	stage_slots INTEGER NOT NULL DEFAULT 2,
	speakers TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	cancelled_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX civic_events_end ON civic_events (ends_at);

CREATE TABLE event_members (
	token_hash TEXT PRIMARY KEY,
	id TEXT NOT NULL,
	event_id TEXT NOT NULL REFERENCES civic_events (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	expires BIGINT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0,
	hand_at BIGINT NOT NULL DEFAULT 0,
	on_stage INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX event_members_event ON event_members (event_id, id);

CREATE TABLE event_questions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id TEXT NOT NULL REFERENCES civic_events (id) ON DELETE CASCADE,
	member_id TEXT NOT NULL,
	text TEXT NOT NULL,
	state TEXT NOT NULL,
	asked_at BIGINT NOT NULL,
	decided_at BIGINT NOT NULL DEFAULT 0,
	decided_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_questions_event ON event_questions (event_id, id);
