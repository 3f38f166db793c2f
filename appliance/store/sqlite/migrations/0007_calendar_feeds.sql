-- Staff calendar feeds: a read-only iCalendar URL per clerk or per office
-- (GET /calendar/<token>.ics) for Outlook or Thunderbird. Only the SHA-256
-- of the token is stored; the URL is shown once, when it is created.
-- scope is 'clerk' (subject = login) or 'office' (subject = office id).
CREATE TABLE IF NOT EXISTS calendar_feeds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL DEFAULT 0
);
