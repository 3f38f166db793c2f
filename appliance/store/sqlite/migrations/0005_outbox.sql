-- The notification outbox: every message to a citizen (e-mail, SMS) is
-- stored in the same transaction as the change that causes it, then sent
-- by one delivery loop with retries and back-off. dedupe_key makes a
-- message exist once however often its cause is retried; sent_at marks it
-- delivered, so a crash between send and mark can at worst resend the one
-- message in flight (SMTP gives no stronger guarantee), never lose one.
-- recipient and payload are personal data: rows are deleted after delivery
-- plus the booking's retention.
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  lang TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  next_attempt BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  sent_at BIGINT NOT NULL DEFAULT 0,
  failed_at BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sent_at, failed_at, next_attempt);
