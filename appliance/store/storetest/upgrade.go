package storetest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// OpenAt opens one database of a dialect migrated only up to version to
// (the dialect package's OpenAt on a fixed directory or DSN).
type OpenAt func(ctx context.Context, to int) (*store.DB, error)

// UpgradeKeepsRows is a dialect's upgrade test: a database one schema
// version behind, with rows, is migrated by the current program; its rows
// stay and read through the current statements, with the new columns'
// defaults, and the store works on it.
func UpgradeKeepsRows(t *testing.T, openAt OpenAt) {
	t.Helper()
	ctx := context.Background()
	probe, err := openAt(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	latest := probe.SchemaVersion()
	probe.Close()
	old, err := openAt(ctx, latest-1)
	if err != nil {
		t.Fatal(err)
	}
	raw := old.WriteDB()
	// rows as the previous version wrote them (its columns only)
	if _, err := raw.Exec(`INSERT INTO clerks (login, display_name, role, password_hash, must_change) VALUES (?,?,?,?,?)`,
		"anna", "Anna Amt", "clerk", "hash", 1); err != nil {
		t.Fatal(err)
	}
	// the ticket with the columns of schema v1, not through the current
	// statements: those may already need the newest table
	now := time.Now()
	if _, err := raw.Exec(`INSERT INTO tickets (id, office_id, number, day, token_hash, language, state, knocked_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)`,
		"t_old", "bauamt", "BA-001", now.Format("2006-01-02"), "01", "de", "waiting", now.UnixMilli(), now.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db, err := openAt(ctx, latest)
	if err != nil {
		t.Fatalf("upgrade %d → %d: %v", latest-1, latest, err)
	}
	defer db.Close()
	acc, err := db.Account(ctx, "anna")
	if err != nil || acc.DisplayName != "Anna Amt" || !acc.MustChange || acc.TOTPSecret != "" {
		t.Fatalf("clerk after the upgrade: %+v, %v", acc, err)
	}
	if tk, err := db.Ticket(ctx, "t_old"); err != nil || tk.Number != "BA-001" {
		t.Fatalf("ticket after the upgrade: %+v, %v", tk, err)
	}
	tk := &reception.Ticket{ID: "t_new", OfficeID: "bauamt", Number: "BA", Day: now.Format("2006-01-02"), TokenHash: []byte{1},
		Language: "de", State: reception.StateWaiting, KnockedAt: now, UpdatedAt: now}
	if _, err := db.CreateTicket(ctx, tk, 1000, reception.Rules{}.Knock()); err != nil {
		t.Fatalf("knock after the upgrade: %v", err)
	}
}

// NewerSchemaRefused is a dialect's test that a database migrated by a
// newer program is not opened (nor touched): the error names both
// versions.
func NewerSchemaRefused(t *testing.T, openAt OpenAt) {
	t.Helper()
	ctx := context.Background()
	db, err := openAt(ctx, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	latest := db.SchemaVersion()
	future := latest + 1
	if _, err := db.WriteDB().Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, future, 0); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = openAt(ctx, latest)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("opening a schema of version %d: %v", future, err)
	}
	for _, v := range []int{future, latest} {
		if !strings.Contains(err.Error(), "version "+strconv.Itoa(v)) && !strings.Contains(err.Error(), "up to "+strconv.Itoa(v)) {
			t.Errorf("error does not name version %d: %v", v, err)
		}
	}
}
