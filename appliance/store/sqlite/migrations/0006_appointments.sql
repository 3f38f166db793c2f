-- Appointments (package appointments): holds, bookings and waitlist
-- offers are rows of one table, so that one conditional INSERT in one
-- transaction can count every chair taken in a slot. A row occupies a
-- chair while state is 'booked' or 'offered', or 'held' until expires_at.
-- contact, concern and the hashes are personal data: PurgeAppointments
-- empties them a configured time after the slot; state and times stay for
-- the aggregates (bookings, no-shows, lead times per office and day).
CREATE TABLE IF NOT EXISTS appointments (
  id TEXT PRIMARY KEY,
  office_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  start_at BIGINT NOT NULL,
  end_at BIGINT NOT NULL,
  state TEXT NOT NULL,
  expires_at BIGINT NOT NULL DEFAULT 0,
  channel TEXT NOT NULL DEFAULT '',
  contact TEXT NOT NULL DEFAULT '',
  contact_key TEXT NOT NULL DEFAULT '',
  lang TEXT NOT NULL DEFAULT '',
  concern TEXT NOT NULL DEFAULT '',
  code_hash TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  cancel_hash TEXT NOT NULL DEFAULT '',
  waitlist_id TEXT NOT NULL DEFAULT '',
  sequence INTEGER NOT NULL DEFAULT 0,
  booked_by TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  confirmed_at BIGINT NOT NULL DEFAULT 0,
  cancelled_at BIGINT NOT NULL DEFAULT 0,
  purged_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS appointments_by_slot ON appointments (office_id, start_at, end_at);
CREATE INDEX IF NOT EXISTS appointments_by_contact ON appointments (contact_key, office_id, service_id);
CREATE INDEX IF NOT EXISTS appointments_by_state ON appointments (state, expires_at);

-- Clerk changes to the capacity: chairs < 0 blocks chairs in [start_at,
-- end_at), chairs > 0 adds them (also outside the reserved hours).
CREATE TABLE IF NOT EXISTS appointment_capacity (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  office_id TEXT NOT NULL,
  start_at BIGINT NOT NULL,
  end_at BIGINT NOT NULL,
  chairs INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS appointment_capacity_by_office ON appointment_capacity (office_id, start_at);

-- The waitlist per office, service and day. An entry is 'pending' until
-- its code is confirmed, then 'verified' (in line by verified_at, then rowid),
-- 'offered' while a freed chair waits for it, and 'booked', 'expired' or
-- 'cancelled' at the end.
CREATE TABLE IF NOT EXISTS appointment_waitlist (
  id TEXT PRIMARY KEY,
  office_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  day TEXT NOT NULL,
  state TEXT NOT NULL,
  channel TEXT NOT NULL,
  contact TEXT NOT NULL DEFAULT '',
  contact_key TEXT NOT NULL DEFAULT '',
  lang TEXT NOT NULL,
  code_hash TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  verified_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS appointment_waitlist_line ON appointment_waitlist (office_id, service_id, day, state, verified_at);
