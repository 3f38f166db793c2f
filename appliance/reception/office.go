package reception

import (
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/hours"
)

// Office is a public service desk (Bauamt, Ausländerbehörde …).
type Office struct {
	ID             string              `json:"id"`
	Name           string              `json:"name"`
	Prefix         string              `json:"prefix"`
	Description    string              `json:"description"`
	Languages      []string            `json:"languages"`
	Chairs         int                 `json:"chairs"`
	Hours          map[string][]string `json:"hours"`
	Exceptions     map[string][]string `json:"exceptions,omitempty"`
	IgnoreHolidays bool                `json:"ignore_holidays,omitempty"`
	// Confidential: counselling mode (anonymous knock, content deleted at
	// the end, nothing but the number to the Matrix bridge and audit log).
	Confidential bool `json:"confidential,omitempty"`
	// ConcernCategories offered as the concern, if any.
	ConcernCategories []string `json:"concern_categories,omitempty"`
	// KnocksWithoutClerk accepts knocks while open with nobody on duty.
	KnocksWithoutClerk bool `json:"knocks_without_clerk,omitempty"`
	// Retention overrides the site's default; nil uses Settings.Retention.
	Retention *Retention `json:"retention,omitempty"`
	// ReservedChairs are the chairs kept for booked appointments per
	// weekday (mon..sun) during the opening hours (package appointments);
	// walk-in estimates count only the clerks beyond them.
	ReservedChairs map[string]int `json:"reserved_chairs,omitempty"`
	Position       int            `json:"-"`
}

// Retention is how long a visit's data is kept after it ends. Content
// (chat, files, notes) 0 means deleted the moment the consultation ends.
type Retention struct {
	Content  time.Duration `json:"content"`
	Personal time.Duration `json:"personal"`
}

// Schedule builds the office's opening-hours schedule.
func (o Office) Schedule(state string, loc *time.Location) (hours.Schedule, error) {
	return hours.FromConfig(o.Hours, o.Exceptions, state, o.IgnoreHolidays, loc)
}
