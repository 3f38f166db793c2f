package connector

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mau.fi/util/dbutil"
)

// store keeps the bridge's own state beside mautrix's tables in the same
// database: the last handled event seq, the rendered knock messages, the
// consultation rooms and the outbox of messages to the appliance.
type store struct{ db *dbutil.Database }

// upgrades are the bridge tables' versions, the mautrix way: numbered
// files with per-dialect lines (-- only: postgres / sqlite), applied by
// dbutil and recorded in bb_version, beside mautrix's own tables on SQLite
// or PostgreSQL.
//
//go:embed upgrades/*.sql
var upgradeFiles embed.FS

var upgrades = dbutil.BuildUpgradeTable().WithFSPath(upgradeFiles, "upgrades").Finish()

// newStore keeps the bridge's tables in the bridge's database under their
// own version table.
func newStore(db *dbutil.Database) *store {
	return &store{db: db.Child("bb_version", upgrades, nil)}
}

func (s *store) migrate(ctx context.Context) error {
	if err := s.db.Upgrade(ctx); err != nil {
		return fmt.Errorf("upgrade bridge tables: %w", err)
	}
	return nil
}

func (s *store) lastSeq(ctx context.Context) (int64, error) {
	var v string
	err := s.db.QueryRow(ctx, `SELECT value FROM bb_state WHERE key='last_seq'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read last seq: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

func (s *store) setLastSeq(ctx context.Context, seq int64) error {
	_, err := s.db.Exec(ctx, `INSERT INTO bb_state (key, value) VALUES ('last_seq', $1)
		ON CONFLICT (key) DO UPDATE SET value=excluded.value`, strconv.FormatInt(seq, 10))
	if err != nil {
		return fmt.Errorf("store last seq: %w", err)
	}
	return nil
}

// knockBody returns the body last rendered for a ticket's knock message in
// an office room ("" and false if there is none).
func (s *store) knockBody(ctx context.Context, ticketID, officeID string) (string, bool, error) {
	var b string
	err := s.db.QueryRow(ctx, `SELECT body FROM bb_knock WHERE ticket_id=$1 AND office_id=$2`, ticketID, officeID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return b, err == nil, err
}

func (s *store) putKnock(ctx context.Context, ticketID, officeID, number, body string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO bb_knock (ticket_id, office_id, number, body) VALUES ($1,$2,$3,$4)
		ON CONFLICT (ticket_id, office_id) DO UPDATE SET body=excluded.body`, ticketID, officeID, number, body)
	return err
}

// knockOffices lists the offices whose rooms show a knock message for the ticket.
func (s *store) knockOffices(ctx context.Context, ticketID string) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT office_id FROM bb_knock WHERE ticket_id=$1`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// room is a consultation room bridged to a portal.
type room struct {
	RoomID, TicketID, Number, OfficeID, Clerk, Ghost, Language string
	Closed                                                     bool
	PurgeAt                                                    time.Time
}

func (s *store) room(ctx context.Context, roomID string) (room, bool, error) {
	var r room
	var closed int
	var purge int64
	err := s.db.QueryRow(ctx, `SELECT room_id, ticket_id, number, office_id, clerk, ghost, language, closed, purge_at
		FROM bb_room WHERE room_id=$1`, roomID).Scan(&r.RoomID, &r.TicketID, &r.Number, &r.OfficeID, &r.Clerk, &r.Ghost, &r.Language, &closed, &purge)
	if errors.Is(err, sql.ErrNoRows) {
		return room{}, false, nil
	} else if err != nil {
		return room{}, false, fmt.Errorf("read room %s: %w", roomID, err)
	}
	r.Closed = closed != 0
	if purge != 0 {
		r.PurgeAt = time.UnixMilli(purge)
	}
	return r, true, nil
}

func (s *store) roomByGhost(ctx context.Context, ghost string) (room, bool, error) {
	var id string
	err := s.db.QueryRow(ctx, `SELECT room_id FROM bb_room WHERE ghost=$1`, ghost).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return room{}, false, nil
	} else if err != nil {
		return room{}, false, err
	}
	return s.room(ctx, id)
}

func (s *store) putRoom(ctx context.Context, r room) error {
	_, err := s.db.Exec(ctx, `INSERT INTO bb_room (room_id, ticket_id, number, office_id, clerk, ghost, language)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (room_id) DO NOTHING`,
		r.RoomID, r.TicketID, r.Number, r.OfficeID, r.Clerk, r.Ghost, r.Language)
	return err
}

func (s *store) closeRoom(ctx context.Context, roomID string, purgeAt time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE bb_room SET closed=1, purge_at=$2 WHERE room_id=$1`, roomID, purgeAt.UnixMilli())
	return err
}

func (s *store) purgeDue(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT room_id FROM bb_room WHERE closed=1 AND purge_at>0 AND purge_at<=$1`, now.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (s *store) nextPurge(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT MIN(purge_at) FROM bb_room WHERE closed=1 AND purge_at>0`).Scan(&at)
	if err != nil || !at.Valid {
		return time.Time{}, false, err
	}
	return time.UnixMilli(at.Int64), true, nil
}

func (s *store) markPurged(ctx context.Context, roomID string) error {
	_, err := s.db.Exec(ctx, `UPDATE bb_room SET purge_at=0 WHERE room_id=$1`, roomID)
	return err
}

// outboxItem is a message from Matrix waiting to be delivered to the appliance.
type outboxItem struct {
	ID                 int64
	ClientID           string
	RoomID, ActAs      string
	MXRoom             string
	Text               string
	FileName, FileType string
	FileData           []byte
}

func (s *store) enqueue(ctx context.Context, it outboxItem) error {
	_, err := s.db.Exec(ctx, `INSERT INTO bb_outbox (client_id, room_id, act_as, mx_room, text, file_name, file_type, file_data, created)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (client_id) DO NOTHING`,
		it.ClientID, it.RoomID, it.ActAs, it.MXRoom, it.Text, it.FileName, it.FileType, it.FileData, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("enqueue outbox: %w", err)
	}
	return nil
}

func (s *store) peek(ctx context.Context) (outboxItem, bool, error) {
	var it outboxItem
	err := s.db.QueryRow(ctx, `SELECT id, client_id, room_id, act_as, mx_room, text, file_name, file_type, file_data
		FROM bb_outbox ORDER BY id LIMIT 1`).Scan(&it.ID, &it.ClientID, &it.RoomID, &it.ActAs, &it.MXRoom, &it.Text, &it.FileName, &it.FileType, &it.FileData)
	if errors.Is(err, sql.ErrNoRows) {
		return it, false, nil
	} else if err != nil {
		return it, false, fmt.Errorf("read outbox: %w", err)
	}
	return it, true, nil
}

func (s *store) done(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `DELETE FROM bb_outbox WHERE id=$1`, id)
	return err
}
