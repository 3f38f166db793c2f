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
	Position       int                 `json:"-"`
}

// Schedule builds the office's opening-hours schedule.
func (o Office) Schedule(state string, loc *time.Location) (hours.Schedule, error) {
	return hours.FromConfig(o.Hours, o.Exceptions, state, o.IgnoreHolidays, loc)
}
