-- Forwarding history of a ticket (who forwarded it where, with which note),
-- shown to the clerks who handle it. The note is personal data: it is
-- purged with the ticket's other content.
CREATE TABLE IF NOT EXISTS forwards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  from_office TEXT NOT NULL,
  to_office TEXT NOT NULL,
  to_clerk TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS forwards_by_ticket ON forwards (ticket_id);
