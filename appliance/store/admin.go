package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// The web administration's tables (migration 0018): site settings and the
// offices' waiting-room texts. Every change writes its audit entry in the
// same transaction.

var _ admin.Store = (*DB)(nil)

// Settings returns the stored site settings.
func (db *DB) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SaveSettings sets the keys (an empty value deletes one) and audits c.
func (db *DB) SaveSettings(ctx context.Context, set map[string]string, c admin.Change) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for k, v := range set {
			var err error
			if v == "" {
				_, err = tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, k)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
					ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
					k, v, ms(c.At), c.Actor)
			}
			if err != nil {
				return fmt.Errorf("save setting %s: %w", k, err)
			}
		}
		return auditChange(ctx, tx, c)
	})
}

// OfficeTexts returns every office's waiting-room texts.
func (db *DB) OfficeTexts(ctx context.Context) (map[string]admin.Texts, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT office_id, greeting, documents, notice FROM office_texts`)
	if err != nil {
		return nil, fmt.Errorf("office texts: %w", err)
	}
	defer rows.Close()
	out := map[string]admin.Texts{}
	for rows.Next() {
		var id string
		var t admin.Texts
		if err := rows.Scan(&id, &t.Greeting, &t.Documents, &t.Notice); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}

// SaveOfficeTexts replaces an office's waiting-room texts and audits c.
func (db *DB) SaveOfficeTexts(ctx context.Context, officeID string, t admin.Texts, c admin.Change) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO office_texts (office_id, greeting, documents, notice, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (office_id) DO UPDATE SET greeting = excluded.greeting, documents = excluded.documents, notice = excluded.notice, updated_at = excluded.updated_at`,
			officeID, t.Greeting, t.Documents, t.Notice, ms(c.At))
		if err != nil {
			return fmt.Errorf("save texts of %s: %w", officeID, err)
		}
		return auditChange(ctx, tx, c)
	})
}

// SaveOffice creates or replaces an office and audits c.
func (db *DB) SaveOffice(ctx context.Context, o reception.Office, c admin.Change) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO offices (id, position, data) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET position = excluded.position, data = excluded.data`, o.ID, o.Position, string(data))
		if err != nil {
			return fmt.Errorf("save office %s: %w", o.ID, err)
		}
		return auditChange(ctx, tx, c)
	})
}

func auditChange(ctx context.Context, tx *sql.Tx, c admin.Change) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, actor, action, office_id, detail) VALUES (?, ?, ?, ?, ?)`,
		ms(c.At), c.Actor, c.Action, c.OfficeID, c.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", c.Action, err)
	}
	return nil
}

// OfficeServices returns the services of the offices the web manages.
func (db *DB) OfficeServices(ctx context.Context) (map[string][]admin.ServiceDef, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT office_id, data FROM office_services`)
	if err != nil {
		return nil, fmt.Errorf("office services: %w", err)
	}
	defer rows.Close()
	out := map[string][]admin.ServiceDef{}
	for rows.Next() {
		var id, data string
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		var list []admin.ServiceDef
		if err := json.Unmarshal([]byte(data), &list); err != nil {
			return nil, fmt.Errorf("services of %s: %w", id, err)
		}
		out[id] = list
	}
	return out, rows.Err()
}

// SaveOfficeServices replaces an office's services and audits c.
func (db *DB) SaveOfficeServices(ctx context.Context, officeID string, list []admin.ServiceDef, c admin.Change) error {
	data, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO office_services (office_id, data, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (office_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, officeID, string(data), ms(c.At))
		if err != nil {
			return fmt.Errorf("save services of %s: %w", officeID, err)
		}
		return auditChange(ctx, tx, c)
	})
}
