package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	ics "github.com/arran4/golang-ical"
)

// FeedScope is whose appointments a staff calendar feed lists: one
// clerk's or one office's (exactly one of the two is set).
type FeedScope struct {
	Office string `json:"office_id,omitempty"`
	Clerk  string `json:"clerk,omitempty"`
}

// Kind is "clerk" or "office".
func (s FeedScope) Kind() string {
	if s.Clerk != "" {
		return "clerk"
	}
	return "office"
}

// Subject is the clerk's login or the office's id.
func (s FeedScope) Subject() string {
	if s.Clerk != "" {
		return s.Clerk
	}
	return s.Office
}

// FeedEntry is what a staff calendar shows of one appointment: its time,
// office, service and reference (booking reference or ticket number) —
// never the citizen's name, contact or concern.
type FeedEntry struct {
	UID       string
	Start     time.Time
	Duration  time.Duration
	Office    string // office name
	Service   string
	Reference string
	Cancelled bool
}

// Appointments is where a feed reads the appointments from (implemented
// by the appointments domain).
type Appointments interface {
	// FeedEntries lists the appointments of scope that start in [from, to).
	FeedEntries(ctx context.Context, scope FeedScope, from, to time.Time) ([]FeedEntry, error)
}

// NewFeedToken returns a fresh random feed token and the hash to store.
func NewFeedToken() (token, hash string) {
	b := make([]byte, 24)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, FeedTokenHash(token)
}

// FeedTokenHash is what the database keeps of a token.
func FeedTokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Feed renders a read-only calendar (METHOD:PUBLISH) of entries for a
// staff calendar program, times with TZID = site.time_zone. The summary
// is the reference and the service, in German (staff language).
func (r *Renderer) Feed(name string, entries []FeedEntry, now time.Time) []byte {
	cal := ics.NewCalendarFor(r.Site)
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(name)
	cal.SetXWRTimezone(r.Loc.String())
	cal.SetRefreshInterval("PT15M")
	years := map[int]bool{}
	for _, e := range entries {
		years[e.Start.In(r.Loc).Year()] = true
	}
	if len(years) == 0 {
		years[now.In(r.Loc).Year()] = true
	}
	// one VTIMEZONE; its yearly rules cover the other years
	first := 0
	for y := range years {
		if first == 0 || y < first {
			first = y
		}
	}
	cal.AddVTimezone(vtimezone(r.Loc, first))
	tzid := r.Loc.String()
	for _, e := range entries {
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(now)
		ev.SetProperty(ics.ComponentPropertyDtStart, e.Start.In(r.Loc).Format(localFormat), ics.WithTZID(tzid))
		d := e.Duration
		if d <= 0 {
			d = 15 * time.Minute
		}
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.Start.Add(d).In(r.Loc).Format(localFormat), ics.WithTZID(tzid))
		summary := "Termin " + e.Reference
		if e.Service != "" {
			summary += " – " + e.Service
		}
		ev.SetSummary(summary)
		ev.SetLocation(e.Office)
		ev.SetProperty(ics.ComponentProperty("TRANSP"), "OPAQUE")
		if e.Cancelled {
			ev.SetStatus(ics.ObjectStatusCancelled)
		} else {
			ev.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	return []byte(cal.Serialize())
}
