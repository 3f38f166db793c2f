// Package audit owns the read side of the audit log: an entry as the
// administration sees it, the filter of the audit-log viewer and its CSV
// export. Writing entries stays with the packages that act (reception,
// staff, the administration); the store keeps them. The audit log holds
// no personal data of citizens: actors are staff logins or roles, details
// name ids and fields, never names, concerns or passwords.
package audit

import (
	"context"
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// Entry is one line of the audit log.
type Entry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	TicketID string    `json:"ticket_id,omitempty"`
	OfficeID string    `json:"office_id,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// Filter selects entries; zero fields select everything. Entries come
// newest first.
type Filter struct {
	// From and To bound the time (From inclusive, To exclusive).
	From, To time.Time
	// Actor is matched exactly.
	Actor string
	// ActionPrefix matches actions that start with it ("admin.clerk.").
	ActionPrefix string
	// Office is matched exactly against the entry's office.
	Office string
	// Offices, unless nil, limits the entries to these offices (an office
	// lead's view: entries without an office are not among them).
	Offices []string
	// Offset and Limit page through the result; Limit 0 means no limit.
	Offset, Limit int
}

// Log is the stored audit log.
type Log interface {
	// Entries lists the entries the filter selects, newest first.
	Entries(ctx context.Context, f Filter) ([]Entry, error)
	// Record writes an entry (At zero: now).
	Record(ctx context.Context, e Entry) error
}

// CSVHeader is the header row of the CSV export; the columns are fixed
// (machine-readable), not translated.
var CSVHeader = []string{"at", "actor", "action", "office_id", "ticket_id", "detail"}

// WriteCSV writes entries as CSV (UTF-8, a header row, times in RFC 3339
// in loc).
func WriteCSV(w io.Writer, entries []Entry, loc *time.Location) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range entries {
		row := []string{e.At.In(loc).Format(time.RFC3339), e.Actor, e.Action, e.OfficeID, e.TicketID, e.Detail}
		for i := range row {
			row[i] = inert(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// inert keeps a spreadsheet from reading a cell as a formula (CSV
// injection): a leading =, +, -, @, tab or carriage return gets a quote.
func inert(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
