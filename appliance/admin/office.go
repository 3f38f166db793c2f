package admin

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Weekdays are the hours' keys in form order.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// OfficeInput is the submitted office form, as typed.
type OfficeInput struct {
	ID, Name, Prefix, Description, Languages, Chairs string
	// Hours per weekday key: intervals separated by commas,
	// "08:00-12:00, 13:00-16:00"; empty is closed.
	Hours map[string]string
	// Exceptions: one dated exception per line, "2026-12-24 closed" or
	// "2026-12-31 08:00-12:00, 13:00-14:00".
	Exceptions                                       string
	IgnoreHolidays, KnocksWithoutClerk, Confidential bool
	// RetentionContent and RetentionPersonal override the site's default;
	// both empty keep the default.
	RetentionContent, RetentionPersonal string
}

// InputOf is the form of a stored office.
func InputOf(o reception.Office) OfficeInput {
	in := OfficeInput{ID: o.ID, Name: o.Name, Prefix: o.Prefix, Description: o.Description, Languages: strings.Join(o.Languages, ", "),
		Chairs: strconv.Itoa(o.Chairs), Hours: map[string]string{}, IgnoreHolidays: o.IgnoreHolidays,
		KnocksWithoutClerk: o.KnocksWithoutClerk, Confidential: o.Confidential}
	for d, ivs := range o.Hours {
		in.Hours[d] = strings.Join(ivs, ", ")
	}
	var lines []string
	for date, ivs := range o.Exceptions {
		if len(ivs) == 0 {
			lines = append(lines, date+" closed")
		} else {
			lines = append(lines, date+" "+strings.Join(ivs, ", "))
		}
	}
	slices.Sort(lines)
	in.Exceptions = strings.Join(lines, "\n")
	if o.Retention != nil {
		in.RetentionContent, in.RetentionPersonal = o.Retention.Content.String(), o.Retention.Personal.String()
	}
	return in
}

// Office returns a stored office.
func (s *Service) Office(ctx context.Context, id string) (reception.Office, error) {
	list, err := s.store.Offices(ctx)
	if err != nil {
		return reception.Office{}, err
	}
	for _, o := range list {
		if o.ID == id {
			return o, nil
		}
	}
	return reception.Office{}, ErrNoOffice
}

// Offices lists the stored offices in display order.
func (s *Service) Offices(ctx context.Context) ([]reception.Office, error) {
	return s.store.Offices(ctx)
}

// SaveOffice creates (create) or updates an office from the form, with the
// configuration file's rules, applies it at once and audits the changed
// field names (admin.office.create, admin.office.update). An office the
// file declares is refused (ErrFileSet).
func (s *Service) SaveOffice(ctx context.Context, actor string, in OfficeInput, create bool) (reception.Office, error) {
	id := strings.TrimSpace(in.ID)
	if s.FileOffice(id) {
		return reception.Office{}, ErrFileSet.With("id", nil)
	}
	list, err := s.store.Offices(ctx)
	if err != nil {
		return reception.Office{}, err
	}
	var old reception.Office
	found := false
	pos := 0
	for _, o := range list {
		if o.ID == id {
			old, found = o, true
		}
		pos = max(pos, o.Position+1)
	}
	switch {
	case create && found:
		return reception.Office{}, Invalid{errIDTaken.With("id", nil)}
	case !create && !found:
		return reception.Office{}, ErrNoOffice
	}
	o := old
	if create {
		o = reception.Office{ID: id, Position: pos}
	}
	if bad := s.fill(&o, in); len(bad) > 0 {
		return reception.Office{}, bad
	}
	action, detail := "admin.office.update", changedFields(old, o)
	if create {
		action, detail = "admin.office.create", changedFields(reception.Office{}, o)
	}
	if !create && detail == "" {
		return o, nil
	}
	if err := s.store.SaveOffice(ctx, o, Change{At: s.now(), Actor: actor, Action: action, OfficeID: o.ID, Detail: detail}); err != nil {
		return reception.Office{}, err
	}
	if s.hooks.OfficesChanged != nil {
		if err := s.hooks.OfficesChanged(ctx); err != nil {
			return reception.Office{}, fmt.Errorf("reload offices: %w", err)
		}
	}
	if err := s.bookChanged(ctx); err != nil {
		return reception.Office{}, fmt.Errorf("reload appointment book: %w", err)
	}
	return o, nil
}

// fill checks every field of the form with the file's rules and sets the
// valid ones on o.
func (s *Service) fill(o *reception.Office, in OfficeInput) Invalid {
	var bad Invalid
	state := s.Site().State
	check := func(p *problem.Error, set func(*config.Office)) bool {
		if err := probe(set, state); err != nil {
			bad = append(bad, p)
			return false
		}
		return true
	}
	check(errID.With("id", nil), func(c *config.Office) { c.ID = o.ID }) // set once, at creation
	name := text.Clean(in.Name)
	if check(errName.With("name", nil), func(c *config.Office) { c.Name = name }) {
		o.Name = name
	}
	prefix := strings.ToUpper(strings.TrimSpace(in.Prefix))
	if check(errPrefix.With("prefix", nil), func(c *config.Office) { c.Prefix = prefix }) {
		o.Prefix = prefix
	}
	desc := text.Clean(in.Description)
	if n := len([]rune(desc)); n > 1000 {
		bad = append(bad, errTextTooLong.With("description", map[string]any{"Max": 1000}))
	} else {
		o.Description = desc
	}
	langs := strings.FieldsFunc(strings.ToLower(in.Languages), func(r rune) bool { return r == ',' || r == ' ' })
	if check(errLanguages.With("languages", nil), func(c *config.Office) { c.Languages = langs }) {
		o.Languages = langs
	}
	chairs, err := strconv.Atoi(strings.TrimSpace(in.Chairs))
	if err != nil {
		chairs = 0
	}
	if check(errChairs.With("chairs", nil), func(c *config.Office) { c.Chairs = chairs }) {
		o.Chairs = chairs
	}
	hours := map[string][]string{}
	for _, d := range Weekdays {
		ivs := splitIntervals(in.Hours[d])
		if len(ivs) == 0 {
			continue
		}
		if err := probe(func(c *config.Office) { c.Hours = map[string][]string{d: ivs} }, state); err != nil {
			bad = append(bad, intervalProblem(ivs, "hours_"+d, func(one []string) error {
				return probe(func(c *config.Office) { c.Hours = map[string][]string{d: one} }, state)
			}))
			continue
		}
		hours[d] = ivs
	}
	o.Hours = hours
	exc, eb := parseExceptions(in.Exceptions, state)
	bad = append(bad, eb...)
	if len(eb) == 0 {
		o.Exceptions = exc
	}
	o.IgnoreHolidays, o.KnocksWithoutClerk, o.Confidential = in.IgnoreHolidays, in.KnocksWithoutClerk, in.Confidential
	rc, rp := strings.TrimSpace(in.RetentionContent), strings.TrimSpace(in.RetentionPersonal)
	if rc == "" && rp == "" {
		o.Retention = nil
	} else {
		c, err1 := time.ParseDuration(rc)
		p, err2 := time.ParseDuration(rp)
		switch {
		case err1 != nil || c < 0:
			bad = append(bad, errDuration.With("retention_content", nil))
		case err2 != nil || p <= 0:
			bad = append(bad, errDuration.With("retention_personal", nil))
		default:
			o.Retention = &reception.Retention{Content: c, Personal: p}
		}
	}
	if len(bad) == 0 {
		// the whole office once more, as the file's offices are checked
		if err := config.ValidateOffice("office", configOffice(*o), state); err != nil {
			bad = append(bad, configField(err))
		}
	}
	return bad
}

// probe checks one field with the configuration file's rules: a valid
// office with only that field from the form.
func probe(set func(*config.Office), state string) error {
	c := config.Office{ID: "probe", Name: "Probe", Prefix: "P", Chairs: 1}
	set(&c)
	return config.ValidateOffice("office", c, state)
}

// intervalProblem tells a malformed interval from intervals that are each
// fine but overlap.
func intervalProblem(ivs []string, field string, check func([]string) error) *problem.Error {
	for _, iv := range ivs {
		if check([]string{iv}) != nil {
			return errHours.With(field, nil)
		}
	}
	return errOverlap.With(field, nil)
}

func splitIntervals(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseExceptions reads the dated exceptions, one per line.
func parseExceptions(s, state string) (map[string][]string, Invalid) {
	out := map[string][]string{}
	var bad Invalid
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		date, rest, _ := strings.Cut(line, " ")
		ivs := splitIntervals(rest)
		if len(ivs) == 1 && (strings.EqualFold(ivs[0], "closed") || strings.EqualFold(ivs[0], "geschlossen")) {
			ivs = []string{}
		}
		if len(ivs) == 0 {
			ivs = []string{}
		}
		one := func(v []string) error {
			return probe(func(c *config.Office) { c.Exceptions = map[string][]string{date: v} }, state)
		}
		if err := one(ivs); err != nil {
			p := intervalProblem(ivs, "exceptions", one)
			if one([]string{}) != nil || p.Reason == "hours" {
				p = errExceptions.With("exceptions", map[string]any{"Line": i + 1})
			}
			bad = append(bad, p)
			continue
		}
		if _, dup := out[date]; dup {
			bad = append(bad, errExceptions.With("exceptions", map[string]any{"Line": i + 1}))
			continue
		}
		out[date] = ivs
	}
	if len(out) == 0 {
		return nil, bad
	}
	return out, bad
}

func configOffice(o reception.Office) config.Office {
	c := config.Office{ID: o.ID, Name: o.Name, Prefix: o.Prefix, Description: o.Description, Languages: o.Languages, Chairs: o.Chairs,
		Hours: o.Hours, Exceptions: o.Exceptions, IgnoreHolidays: o.IgnoreHolidays, Confidential: o.Confidential,
		ConcernCategories: o.ConcernCategories, KnocksWithoutClerk: o.KnocksWithoutClerk}
	if o.Retention != nil {
		c.Retention = &config.Retention{Content: config.Duration{Duration: o.Retention.Content}, Personal: config.Duration{Duration: o.Retention.Personal}}
	}
	return c
}

// changedFields names the form fields that differ (for the audit log).
func changedFields(a, b reception.Office) string {
	var out []string
	add := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			out = append(out, name)
		}
	}
	add("name", a.Name, b.Name)
	add("prefix", a.Prefix, b.Prefix)
	add("description", a.Description, b.Description)
	add("languages", a.Languages, b.Languages)
	add("chairs", a.Chairs, b.Chairs)
	addMap := func(name string, x, y map[string][]string) {
		if len(x)+len(y) > 0 && !reflect.DeepEqual(x, y) {
			out = append(out, name)
		}
	}
	addMap("hours", a.Hours, b.Hours)
	addMap("exceptions", a.Exceptions, b.Exceptions)
	add("ignore_holidays", a.IgnoreHolidays, b.IgnoreHolidays)
	add("knocks_without_clerk", a.KnocksWithoutClerk, b.KnocksWithoutClerk)
	add("confidential", a.Confidential, b.Confidential)
	add("retention", a.Retention, b.Retention)
	return strings.Join(out, ",")
}

// TextLimits are the most characters of each waiting-room text.
const (
	MaxGreeting  = 500
	MaxDocuments = 1000
	MaxNotice    = 200
)

// SaveTexts stores an office's waiting-room texts (the file sets none, so
// every office's are managed here) and audits the changed ones
// (admin.texts.update).
func (s *Service) SaveTexts(ctx context.Context, actor, officeID string, t Texts) error {
	if _, err := s.Office(ctx, officeID); err != nil {
		return err
	}
	t = Texts{Greeting: text.Clean(t.Greeting), Documents: text.Clean(t.Documents), Notice: text.Clean(t.Notice)}
	var bad Invalid
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"greeting", t.Greeting, MaxGreeting}, {"documents", t.Documents, MaxDocuments}, {"notice", t.Notice, MaxNotice}} {
		if len([]rune(f.v)) > f.max {
			bad = append(bad, errTextTooLong.With(f.name, map[string]any{"Max": f.max}))
		}
	}
	if len(bad) > 0 {
		return bad
	}
	old := s.Texts(officeID)
	var changed []string
	for _, f := range [][3]string{{"greeting", old.Greeting, t.Greeting}, {"documents", old.Documents, t.Documents}, {"notice", old.Notice, t.Notice}} {
		if f[1] != f[2] {
			changed = append(changed, f[0])
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if err := s.store.SaveOfficeTexts(ctx, officeID, t, Change{At: s.now(), Actor: actor, Action: "admin.texts.update", OfficeID: officeID, Detail: strings.Join(changed, ",")}); err != nil {
		return err
	}
	s.mu.Lock()
	next := make(map[string]Texts, len(s.texts)+1)
	for k, v := range s.texts {
		next[k] = v
	}
	next[officeID] = t
	s.texts = next
	s.mu.Unlock()
	return nil
}
