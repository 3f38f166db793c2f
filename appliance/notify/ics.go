package notify

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// localFormat is an iCalendar local DATE-TIME, read with a TZID.
const localFormat = "20060102T150405"

// event builds the calendar object of a confirmation (METHOD:REQUEST) or
// cancellation (METHOD:CANCEL, STATUS:CANCELLED): one VEVENT whose start
// and end carry TZID = site.time_zone, described by a VTIMEZONE for the
// year of the appointment, so calendars show the office's local time. UID
// and SEQUENCE come from the message: the cause increments SEQUENCE, so
// a cancellation replaces the confirmed event.
func (r *Renderer) event(m Message, l *i18n.Localizer, method string) ([]byte, error) {
	cal := ics.NewCalendarFor(r.Site)
	cal.SetMethod(ics.Method(method))
	cal.SetCalscale("GREGORIAN")
	tzid := r.Loc.String()
	cal.AddVTimezone(vtimezone(r.Loc, m.Start.In(r.Loc).Year()))
	ev := cal.AddEvent(m.UID)
	ev.SetSequence(m.Sequence)
	ev.SetDtStampTime(time.Now())
	ev.SetProperty(ics.ComponentPropertyDtStart, m.Start.In(r.Loc).Format(localFormat), ics.WithTZID(tzid))
	end := m.Start.Add(m.Duration)
	if m.Duration <= 0 {
		end = m.Start.Add(15 * time.Minute)
	}
	ev.SetProperty(ics.ComponentPropertyDtEnd, end.In(r.Loc).Format(localFormat), ics.WithTZID(tzid))
	a := map[string]any{"Office": m.Office, "Service": m.Service}
	ev.SetSummary(l.T("notify.ics.summary", a))
	ev.SetLocation(m.Office)
	if m.JoinURL != "" && method == "REQUEST" {
		ev.SetURL(m.JoinURL)
		ev.SetDescription(l.T("notify.link.join", nil) + ": " + m.JoinURL)
	}
	if r.Organizer != "" {
		ev.SetOrganizer("mailto:"+r.Organizer, ics.WithCN(r.Site))
	}
	if m.Channel == ChannelEmail && m.Recipient != "" {
		ev.AddAttendee("mailto:"+m.Recipient, ics.WithRSVP(false))
	}
	if method == "CANCEL" {
		ev.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}
	return []byte(cal.Serialize()), nil
}

// vtimezone describes loc in the given year: its standard and daylight
// observances with the yearly rule of their switch (e.g. last Sunday of
// March), or one fixed offset if the zone has no switch.
func vtimezone(loc *time.Location, year int) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	switches := transitions(loc, year)
	if len(switches) == 0 {
		_, off := time.Date(year, 1, 1, 0, 0, 0, 0, loc).Zone()
		name, _ := time.Date(year, 1, 1, 0, 0, 0, 0, loc).Zone()
		st := tz.AddStandard()
		observance(&st.ComponentBase, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), off, off, name, "")
		return tz
	}
	for _, s := range switches {
		_, offFrom := s.Add(-time.Second).Zone()
		name, offTo := s.Zone()
		// DTSTART is the local wall time just before the switch, in the
		// old offset (RFC 5545 3.6.5).
		local := s.UTC().Add(time.Duration(offFrom) * time.Second)
		c := ics.ComponentBase{}
		observance(&c, local, offFrom, offTo, name, yearlyRule(s.In(time.FixedZone("", offFrom))))
		if s.IsDST() {
			tz.Components = append(tz.Components, &ics.Daylight{ComponentBase: c})
		} else {
			tz.Components = append(tz.Components, &ics.Standard{ComponentBase: c})
		}
	}
	return tz
}

func observance(c *ics.ComponentBase, local time.Time, from, to int, name, rrule string) {
	c.SetProperty(ics.ComponentPropertyDtStart, local.Format(localFormat))
	c.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), offset(from))
	c.SetProperty(ics.ComponentProperty("TZOFFSETTO"), offset(to))
	if name != "" {
		c.SetProperty(ics.ComponentProperty("TZNAME"), name)
	}
	if rrule != "" {
		c.SetProperty(ics.ComponentPropertyRrule, rrule)
	}
}

// transitions finds the instants in year where loc's offset changes.
func transitions(loc *time.Location, year int) []time.Time {
	var out []time.Time
	t := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	_, off := t.Zone()
	for t.Before(end) {
		next := t.Add(24 * time.Hour)
		if _, o := next.Zone(); o != off {
			lo, hi := t, next // the switch is in (lo, hi]
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.Zone(); o == off {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, hi.Truncate(time.Second))
			_, off = hi.Zone()
		}
		t = next
	}
	return out
}

// yearlyRule writes the switch at local wall time t as a yearly rule by
// weekday: the n-th (or last, -1) such weekday of the month.
func yearlyRule(t time.Time) string {
	days := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	n := (t.Day()-1)/7 + 1
	if t.AddDate(0, 0, 7).Month() != t.Month() {
		n = -1
	}
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(t.Month()), n, days[t.Weekday()])
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
}
