-- schema v2: who takes part in a consultation besides the admitting clerk
-- (colleagues added by a participant, leads and admins who joined
-- explicitly). Chat access is checked against rooms.clerk and this table.
CREATE TABLE IF NOT EXISTS room_members (
  room_id TEXT NOT NULL,
  login TEXT NOT NULL,
  kind TEXT NOT NULL,                       -- colleague (added) or joined (lead/admin)
  added_by TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (room_id, login)
);
CREATE INDEX IF NOT EXISTS participants_by_room ON participants (room_id);
CREATE INDEX IF NOT EXISTS audit_by_ticket ON audit (ticket_id);
