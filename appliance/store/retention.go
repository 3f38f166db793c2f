package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// EndRoomAccess voids every invite link and external session of a room.
func (db *DB) EndRoomAccess(ctx context.Context, roomID string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM participants WHERE room_id = ?`, roomID); err != nil {
		return fmt.Errorf("end room access %s: %w", roomID, err)
	}
	return nil
}

// DeleteRoomContent deletes a room's chat messages, files and whiteboard.
func (db *DB) DeleteRoomContent(ctx context.Context, roomID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		qs := []string{`DELETE FROM files WHERE room_id = ?`, `DELETE FROM messages WHERE room_id = ?`}
		for _, q := range whiteboardContent {
			qs = append(qs, fmt.Sprintf(q, "?"))
		}
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q, roomID); err != nil {
				return fmt.Errorf("delete room content %s: %w", roomID, err)
			}
		}
		return nil
	})
}

// DeleteNotes deletes a ticket's internal notes and its forwarding notes.
func (db *DB) DeleteNotes(ctx context.Context, ticketID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM notes WHERE ticket_id = ?`, `DELETE FROM forwards WHERE ticket_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, ticketID); err != nil {
				return fmt.Errorf("delete notes %s: %w", ticketID, err)
			}
		}
		return nil
	})
}

// ForgetTicket deletes a finished ticket's personal fields and notes. With
// anonymiseAudit the ticket's audit entries keep the action and the time
// only: no actor, no detail.
func (db *DB) ForgetTicket(ctx context.Context, ticketID string, anonymiseAudit bool) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET name = '', concern = '', forward_note = '', decline_message = '', purged = 1 WHERE id = ?`, ticketID); err != nil {
			return fmt.Errorf("forget ticket %s: %w", ticketID, err)
		}
		for _, q := range []string{`DELETE FROM notes WHERE ticket_id = ?`, `DELETE FROM forwards WHERE ticket_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, ticketID); err != nil {
				return fmt.Errorf("forget ticket %s: %w", ticketID, err)
			}
		}
		if anonymiseAudit {
			if _, err := tx.ExecContext(ctx, `UPDATE audit SET actor = '', detail = '' WHERE ticket_id = ?`, ticketID); err != nil {
				return fmt.Errorf("forget ticket %s: %w", ticketID, err)
			}
		}
		return nil
	})
}

// Purge deletes what is past its retention, per rule: the content (chat,
// files, whiteboard, notes) of visits whose room or ticket ended before ContentBefore,
// and the personal fields (name, concern, notes of forwarding and decline)
// of tickets that ended before PersonalBefore. A rule with an empty
// OfficeID applies to every office without a rule of its own. It also
// deletes expired participant tokens and staff sessions, and stream events
// older than eventCutoff. Ticket skeletons and handling samples stay for
// statistics. It returns the number of tickets whose personal fields were
// deleted.
func (db *DB) Purge(ctx context.Context, rules []reception.PurgeRule, eventCutoff time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var named []any
		for _, r := range rules {
			if r.OfficeID != "" {
				named = append(named, r.OfficeID)
			}
		}
		for _, r := range rules {
			scope, args := `office_id = ?`, []any{r.OfficeID}
			if r.OfficeID == "" {
				scope, args = `office_id NOT IN (''`+strings.Repeat(",?", len(named))+`)`, named
			}
			arg := func(at time.Time) []any { return append([]any{ms(at)}, args...) }
			res, err := tx.ExecContext(ctx, `UPDATE tickets SET name = '', concern = '', forward_note = '', decline_message = '', purged = 1
				WHERE purged = 0 AND state IN ('ended','declined','abandoned') AND updated_at < ? AND `+scope, arg(r.PersonalBefore)...)
			if err != nil {
				return fmt.Errorf("purge tickets: %w", err)
			}
			k, _ := res.RowsAffected()
			n += k
			content := []string{
				`DELETE FROM notes WHERE ticket_id IN (SELECT id FROM tickets WHERE state IN ('ended','declined','abandoned') AND updated_at < ? AND ` + scope + `)`,
				`DELETE FROM forwards WHERE ticket_id IN (SELECT id FROM tickets WHERE state IN ('ended','declined','abandoned') AND updated_at < ? AND ` + scope + `)`,
				`DELETE FROM files WHERE room_id IN (SELECT id FROM rooms WHERE ended_at <> 0 AND ended_at < ? AND ` + scope + `)`,
				`DELETE FROM messages WHERE room_id IN (SELECT id FROM rooms WHERE ended_at <> 0 AND ended_at < ? AND ` + scope + `)`,
				// an event's questions are content of its office
				`DELETE FROM event_questions WHERE event_id IN (SELECT id FROM civic_events WHERE ends_at < ? AND ` + scope + `)`,
			}
			for _, q := range whiteboardContent {
				content = append(content, fmt.Sprintf(q, `SELECT id FROM rooms WHERE ended_at <> 0 AND ended_at < ? AND `+scope))
			}
			for _, q := range content {
				if _, err := tx.ExecContext(ctx, q, arg(r.ContentBefore)...); err != nil {
					return fmt.Errorf("purge content: %w", err)
				}
			}
		}
		for _, q := range []string{`DELETE FROM notes WHERE ticket_id IN (SELECT id FROM tickets WHERE purged = 1)`, `DELETE FROM forwards WHERE ticket_id IN (SELECT id FROM tickets WHERE purged = 1)`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("purge notes: %w", err)
			}
		}
		now := ms(time.Now())
		for _, q := range []struct {
			sql string
			at  int64
		}{
			{`DELETE FROM participants WHERE expires < ?`, now},
			{`DELETE FROM event_members WHERE expires < ?`, now},
			{`DELETE FROM participants WHERE room_id IN (SELECT id FROM rooms WHERE ended_at <> 0 AND ended_at < ?)`, now},
			{`DELETE FROM events WHERE at < ?`, ms(eventCutoff)},
			{`DELETE FROM sessions WHERE expires < ?`, now},
			{`DELETE FROM sso_grants WHERE expires_at < ?`, now},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.at); err != nil {
				return fmt.Errorf("purge: %w", err)
			}
		}
		return nil
	})
	return n, err
}
