package stats

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Row is one stored cell: a figure of a day, office and service.
type Row struct {
	Day, Office, Service string
	Figure               Figure
	Detail               string
	N                    int64
}

// Booking is what the appointment book keeps of a booking after its
// personal data is gone: office, service, slot start and outcome.
type Booking struct {
	Office, Service string
	Start           time.Time
	Booked          bool // confirmed at some point (also if cancelled later)
	Kept            bool // the citizen arrived through the join link
	NoShow          bool // the join window passed without arrival
}

// Source reads the persisted figures; the store implements it.
type Source interface {
	// Figures returns the rows of the days from through to (inclusive,
	// "2006-01-02") of the offices.
	Figures(ctx context.Context, from, to string, offices []string) ([]Row, error)
	// Bookings returns the bookings of the offices whose slot starts in
	// [from, to).
	Bookings(ctx context.Context, from, to time.Time, offices []string) ([]Booking, error)
}

// Query selects a report: the days From through To in the site's time
// zone and the offices (already limited to what the reader may see).
type Query struct {
	From, To time.Time
	Offices  []string
	Loc      *time.Location
	// ServiceName names a booking's service (bookings carry its id,
	// tickets its name); nil keeps the id.
	ServiceName func(office, id string) string
}

// Column names a column of the office table, in the order the page and
// the exports show them.
type Column string

// The columns of the office table.
const (
	ColOffice           Column = "office"
	ColKnocks           Column = "knocks"
	ColAdmitted         Column = "admitted"
	ColDeclined         Column = "declined"
	ColAbandoned        Column = "abandoned"
	ColForwarded        Column = "forwarded"
	ColWaitP50          Column = "wait_p50"
	ColWaitP90          Column = "wait_p90"
	ColConsultations    Column = "consultations"
	ColHandlingP50      Column = "handling_p50"
	ColHandlingP90      Column = "handling_p90"
	ColInterpreterShare Column = "interpreter_share"
	ColBooked           Column = "booked"
	ColKept             Column = "kept"
	ColNoShows          Column = "no_shows"
)

// Columns is the office table's column order.
var Columns = []Column{ColOffice, ColKnocks, ColAdmitted, ColDeclined, ColAbandoned, ColForwarded, ColWaitP50, ColWaitP90,
	ColConsultations, ColHandlingP50, ColHandlingP90, ColInterpreterShare, ColBooked, ColKept, ColNoShows}

// Kind says how a value is written.
type Kind int

// Value kinds.
const (
	KindText    Kind = iota // an office id
	KindCount               // a number of cases
	KindMinutes             // a duration in minutes
	KindPercent             // a share in percent
)

// Value is one published cell. Suppressed: fewer than K cases (shown as
// "< 5"); Secondary: hidden so that a suppressed cell cannot be computed
// from a sum (shown as "."; protect.go); None: nothing to show (no case
// at all for a percentile).
type Value struct {
	Kind       Kind
	Text       string
	N          int64
	Minutes    float64
	Percent    float64
	Suppressed bool
	Secondary  bool
	None       bool
}

// Canonical is the value as the CSV writes it and the page carries it
// (data-value): a count, minutes with one decimal, a percentage with one
// decimal, "< 5", "." or "".
func (v Value) Canonical() string {
	switch {
	case v.Suppressed:
		return fmt.Sprintf("< %d", K)
	case v.Secondary:
		return "."
	case v.None:
		return ""
	}
	switch v.Kind {
	case KindCount:
		return strconv.FormatInt(v.N, 10)
	case KindMinutes:
		return strconv.FormatFloat(v.Minutes, 'f', 1, 64)
	case KindPercent:
		return strconv.FormatFloat(v.Percent, 'f', 1, 64)
	}
	return v.Text
}

// Number is the value as a number and whether it has one.
func (v Value) Number() (float64, bool) {
	if v.Suppressed || v.Secondary || v.None {
		return 0, false
	}
	switch v.Kind {
	case KindCount:
		return float64(v.N), true
	case KindMinutes:
		return v.Minutes, true
	case KindPercent:
		return v.Percent, true
	}
	return 0, false
}

func count(n int64) Value {
	return Value{Kind: KindCount, N: n, Suppressed: n > 0 && n < K}
}

// Report is what the statistics page shows and the exports contain.
type Report struct {
	From, To string
	// Offices has one row per office with cases, then the total row
	// (office "" ), each in Columns order.
	Offices [][]Value
	// Days: knocks per day over the selected offices, every day of the
	// range.
	Days []DayValue
	// Languages: knocks per conversation language over the selected
	// offices, most frequent first.
	Languages []LangValue
	// Services: per office and service (walk-ins have service ""), the
	// counts of ServiceColumns.
	Services []ServiceRow
}

// ServiceColumns are the figures of the service table.
var ServiceColumns = []Column{ColKnocks, ColAdmitted, ColConsultations, ColBooked, ColKept, ColNoShows}

// ServiceRow is one office's service with the ServiceColumns.
type ServiceRow struct {
	Office, Service string
	Values          []Value
}

// DayValue is the knocks of one day.
type DayValue struct {
	Day    string
	Knocks Value
}

// LangValue is the knocks in one conversation language.
type LangValue struct {
	Lang   string
	Knocks Value
}

// cell accumulates the figures of one office (or the total).
type cell struct {
	counts           map[Figure]int64
	wait, handling   Histogram
	booked, kept, ns int64
}

func newCell() *cell {
	return &cell{counts: map[Figure]int64{}, wait: Histogram{}, handling: Histogram{}}
}

func (c *cell) add(r Row) {
	switch r.Figure {
	case Wait:
		c.wait.Add(r.Detail, r.N)
	case Handling:
		c.handling.Add(r.Detail, r.N)
	default:
		c.counts[r.Figure] += r.N
	}
}

func (c *cell) addBooking(b Booking) {
	c.booked += b2i(b.Booked)
	c.kept += b2i(b.Kept)
	c.ns += b2i(b.NoShow)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func percentile(h Histogram, p float64) Value {
	n := h.Count()
	if n > 0 && n < K {
		return Value{Kind: KindMinutes, Suppressed: true}
	}
	d, ok := h.Percentile(p)
	return Value{Kind: KindMinutes, Minutes: d.Minutes(), None: !ok}
}

func (c *cell) values(office string) []Value {
	cons, interp := c.counts[Consultations], c.counts[Interpreted]
	share := Value{Kind: KindPercent, None: cons == 0}
	switch {
	case cons > 0 && cons < K, interp > 0 && interp < K:
		share.Suppressed = true
	case cons > 0:
		share.Percent = float64(interp) * 100 / float64(cons)
	}
	return []Value{{Kind: KindText, Text: office}, count(c.counts[Knocks]), count(c.counts[Admitted]), count(c.counts[Declined]),
		count(c.counts[Abandoned]), count(c.counts[Forwarded]), percentile(c.wait, .5), percentile(c.wait, .9),
		count(cons), percentile(c.handling, .5), percentile(c.handling, .9), share, count(c.booked), count(c.kept), count(c.ns)}
}

const dayFormat = "2006-01-02"

// Build reads the figures of q and applies k-anonymity.
func Build(ctx context.Context, src Source, q Query) (Report, error) {
	from, to := q.From.Format(dayFormat), q.To.Format(dayFormat)
	rep := Report{From: from, To: to}
	rows, err := src.Figures(ctx, from, to, q.Offices)
	if err != nil {
		return rep, err
	}
	start := time.Date(q.From.Year(), q.From.Month(), q.From.Day(), 0, 0, 0, 0, q.Loc)
	end := time.Date(q.To.Year(), q.To.Month(), q.To.Day()+1, 0, 0, 0, 0, q.Loc)
	books, err := src.Bookings(ctx, start, end, q.Offices)
	if err != nil {
		return rep, err
	}
	per, total := map[string]*cell{}, newCell()
	of := func(office string) *cell {
		if per[office] == nil {
			per[office] = newCell()
		}
		return per[office]
	}
	days, langs := map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		of(r.Office).add(r)
		total.add(r)
		switch r.Figure {
		case Knocks:
			days[r.Day] += r.N
		case Lang:
			langs[r.Detail] += r.N
		}
	}
	type svcKey struct{ office, service string }
	svc := map[svcKey]*cell{}
	ofSvc := func(k svcKey) *cell {
		if svc[k] == nil {
			svc[k] = newCell()
		}
		return svc[k]
	}
	for _, r := range rows {
		ofSvc(svcKey{r.Office, r.Service}).add(r)
	}
	for _, b := range books {
		of(b.Office).addBooking(b)
		total.addBooking(b)
		name := b.Service
		if q.ServiceName != nil {
			name = q.ServiceName(b.Office, b.Service)
		}
		ofSvc(svcKey{b.Office, name}).addBooking(b)
	}
	for k, c := range svc {
		all := c.values(k.office)
		var vals []Value
		for _, col := range ServiceColumns {
			vals = append(vals, all[slices.Index(Columns, col)])
		}
		rep.Services = append(rep.Services, ServiceRow{Office: k.office, Service: k.service, Values: vals})
	}
	slices.SortFunc(rep.Services, func(a, b ServiceRow) int {
		return cmp.Or(cmp.Compare(slices.Index(q.Offices, a.Office), slices.Index(q.Offices, b.Office)), cmp.Compare(a.Service, b.Service))
	})
	for _, o := range q.Offices {
		if c := per[o]; c != nil {
			rep.Offices = append(rep.Offices, c.values(o))
		}
	}
	rep.Offices = append(rep.Offices, total.values(""))
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		day := d.Format(dayFormat)
		rep.Days = append(rep.Days, DayValue{Day: day, Knocks: count(days[day])})
	}
	for l, n := range langs {
		rep.Languages = append(rep.Languages, LangValue{Lang: l, Knocks: count(n)})
	}
	slices.SortFunc(rep.Languages, func(a, b LangValue) int {
		if a.Knocks.N != b.Knocks.N {
			return int(b.Knocks.N - a.Knocks.N)
		}
		return cmp.Compare(a.Lang, b.Lang)
	})
	protectReport(&rep)
	return rep, nil
}
