package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

const waitCols = `id, office_id, service_id, day, state, channel, contact, contact_key, lang, code_hash, attempts, expires_at, created_at, verified_at`

func waitArgs(w appointments.WaitEntry) []any {
	return []any{w.ID, w.Office, w.Service, w.Day, string(w.State), string(w.Channel), w.Contact, w.ContactKey, w.Lang,
		w.CodeHash, w.Attempts, ms(w.Expires), ms(w.Created), ms(w.Verified)}
}

func (t apptTx) scanWait(row *sql.Row) (appointments.WaitEntry, error) {
	var w appointments.WaitEntry
	var state, channel string
	var exp, created, verified int64
	err := row.Scan(&w.ID, &w.Office, &w.Service, &w.Day, &state, &channel, &w.Contact, &w.ContactKey, &w.Lang,
		&w.CodeHash, &w.Attempts, &exp, &created, &verified)
	if errors.Is(err, sql.ErrNoRows) {
		return w, appointments.ErrNotFound
	}
	if err != nil {
		return w, fmt.Errorf("waitlist entry: %w", err)
	}
	w.State, w.Channel = appointments.WaitState(state), notify.Channel(channel)
	w.Expires, w.Created, w.Verified = fromMS(exp), fromMS(created), fromMS(verified)
	return w, nil
}

func (t apptTx) Waiting(office, service, day string) (appointments.WaitEntry, bool, error) {
	w, err := t.scanWait(t.tx.QueryRowContext(t.ctx, `SELECT `+waitCols+` FROM appointment_waitlist
		WHERE office_id = ? AND service_id = ? AND day = ? AND state = 'verified' ORDER BY verified_at, rowid LIMIT 1`, office, service, day))
	if errors.Is(err, appointments.ErrNotFound) {
		return w, false, nil
	}
	return w, err == nil, err
}

func (t apptTx) WaitEntry(id string) (appointments.WaitEntry, error) {
	return t.scanWait(t.tx.QueryRowContext(t.ctx, `SELECT `+waitCols+` FROM appointment_waitlist WHERE id = ?`, id))
}

func (t apptTx) InsertWait(w appointments.WaitEntry) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO appointment_waitlist (`+waitCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, waitArgs(w)...)
	if err != nil {
		return fmt.Errorf("insert waitlist entry: %w", err)
	}
	return nil
}

func (t apptTx) UpdateWait(w appointments.WaitEntry) error {
	args := append(waitArgs(w)[1:], w.ID)
	_, err := t.tx.ExecContext(t.ctx, `UPDATE appointment_waitlist SET office_id=?, service_id=?, day=?, state=?, channel=?, contact=?,
		contact_key=?, lang=?, code_hash=?, attempts=?, expires_at=?, created_at=?, verified_at=? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update waitlist entry %s: %w", w.ID, err)
	}
	return nil
}
