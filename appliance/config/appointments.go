package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Appointments are the site-wide limits of booking (package appointments).
// What an office offers and how many chairs it reserves is set per office
// (offices[].services, offices[].appointments).
type Appointments struct {
	// HorizonDays: slots can be booked up to this many days ahead. Default 60.
	HorizonDays int `yaml:"horizon_days"`
	// LeadTime: a slot can be booked until this long before it starts. Default 2h.
	LeadTime Duration `yaml:"lead_time"`
	// ReleaseAt is the time of day ("07:00") at which the day horizon_days
	// ahead opens, for everybody at once. Default 07:00.
	ReleaseAt string `yaml:"release_at"`
	// HoldTTL is how long a slot is held while the citizen enters the code
	// sent to them. Default 10m.
	HoldTTL Duration `yaml:"hold_ttl"`
	// CodeAttempts: wrong codes that end a hold. Default 5.
	CodeAttempts int `yaml:"code_attempts"`
	// Reminders are sent this long before the slot. Default [24h, 15m].
	Reminders []Duration `yaml:"reminders"`
	// OfferWindow is how long a waitlist entry has to accept a freed slot
	// before it goes to the next. Default 30m.
	OfferWindow Duration `yaml:"offer_window"`
	// Retention: contact data and concern are deleted this long after the
	// appointment; only aggregates stay. Default 168h (7 days).
	Retention Duration `yaml:"retention"`
	// HoldBurst holds (and waitlist entries) per HoldPer from one client
	// address. Default 10 per 10m.
	HoldBurst int      `yaml:"hold_burst"`
	HoldPer   Duration `yaml:"hold_per"`
	// ContactBurst holds per ContactPer for one e-mail address or phone
	// number. Default 5 per 1h.
	ContactBurst int      `yaml:"contact_burst"`
	ContactPer   Duration `yaml:"contact_per"`
	// JoinBefore: the join link in the messages admits from this long
	// before the slot's start. Default 10m.
	JoinBefore Duration `yaml:"join_before"`
	// JoinAfter: … until this long after the start; a booking not joined
	// by then counts as a no-show. Default 15m.
	JoinAfter Duration `yaml:"join_after"`
	// SecretFile keeps the key of contact hashes, codes and join links
	// (32 or more bytes; created at first start if missing); default
	// <store.data_dir>/appointments.key. On several nodes (store.driver
	// postgres) every node signs with the cluster's key, the first node's,
	// kept in the database: a file at the default place takes it, and any
	// other file named here must hold it, or the node refuses to start
	// (docs/operations.md, "Several nodes").
	SecretFile string `yaml:"secret_file"`
}

// Service is one thing an office does, booked or walked in for.
type Service struct {
	// ID is a short stable slug, e.g. "ausweis".
	ID string `yaml:"id"`
	// Name shown to citizens, e.g. "Personalausweis beantragen".
	Name string `yaml:"name"`
	// Duration of one appointment, a multiple of 5m, e.g. 15m.
	Duration Duration `yaml:"duration"`
	// Languages the service is offered in (ISO 639-1); default the office's.
	Languages []string `yaml:"languages"`
	// WhatToBring is shown in the booking and in the messages.
	WhatToBring string `yaml:"what_to_bring"`
	// Mode: booking (by appointment only), walk_in (queue only) or both
	// (default).
	Mode string `yaml:"mode"`
}

// OfficeAppointments reserves chairs for appointments.
type OfficeAppointments struct {
	// Chairs reserved for appointments per weekday (mon..sun) during the
	// opening hours, e.g. {mon: 1, thu: 2}; the rest serve walk-ins. At
	// most the office's chairs. Missing days reserve none.
	Chairs map[string]int `yaml:"chairs"`
}

// ServiceModes are the allowed values of offices[].services[].mode.
var ServiceModes = []string{"booking", "walk_in", "both"}

var clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

func defaultAppointments() Appointments {
	return Appointments{HorizonDays: 60, LeadTime: Duration{2 * time.Hour}, ReleaseAt: "07:00", HoldTTL: Duration{10 * time.Minute},
		CodeAttempts: 5, Reminders: []Duration{{24 * time.Hour}, {15 * time.Minute}}, OfferWindow: Duration{30 * time.Minute},
		Retention: Duration{7 * 24 * time.Hour}, HoldBurst: 10, HoldPer: Duration{10 * time.Minute}, ContactBurst: 5, ContactPer: Duration{time.Hour},
		JoinBefore: Duration{10 * time.Minute}, JoinAfter: Duration{15 * time.Minute}}
}

// fillAppointments derives what depends on other fields.
func (c *Config) fillAppointments() {
	if c.Appointments.SecretFile == "" {
		c.Appointments.SecretFile = filepath.Join(c.Store.DataDir, "appointments.key")
	}
	for i := range c.Offices {
		for j := range c.Offices[i].Services {
			s := &c.Offices[i].Services[j]
			if s.Mode == "" {
				s.Mode = "both"
			}
			if s.Languages == nil {
				s.Languages = c.Offices[i].Languages
			}
		}
	}
}

func (a Appointments) validate() error {
	if a.HorizonDays < 1 || a.HorizonDays > 365 {
		return bad("appointments.horizon_days", fmt.Sprint(a.HorizonDays), "1 to 365")
	}
	if !clockRE.MatchString(a.ReleaseAt) {
		return bad("appointments.release_at", fmt.Sprintf("%q", a.ReleaseAt), "a time of day HH:MM, e.g. 07:00")
	}
	if a.CodeAttempts < 1 || a.CodeAttempts > 10 {
		return bad("appointments.code_attempts", fmt.Sprint(a.CodeAttempts), "1 to 10")
	}
	if a.HoldBurst < 1 || a.ContactBurst < 1 {
		return bad("appointments.hold_burst", "hold_burst and contact_burst must be 1 or more", "")
	}
	for _, d := range []struct {
		f        string
		v        time.Duration
		min, max time.Duration
	}{
		{"appointments.lead_time", a.LeadTime.Duration, 0, 30 * 24 * time.Hour},
		{"appointments.hold_ttl", a.HoldTTL.Duration, time.Minute, time.Hour},
		{"appointments.offer_window", a.OfferWindow.Duration, 5 * time.Minute, 24 * time.Hour},
		{"appointments.retention", a.Retention.Duration, 0, 365 * 24 * time.Hour},
		{"appointments.hold_per", a.HoldPer.Duration, time.Second, 24 * time.Hour},
		{"appointments.contact_per", a.ContactPer.Duration, time.Second, 7 * 24 * time.Hour},
		{"appointments.join_before", a.JoinBefore.Duration, 0, 2 * time.Hour},
		{"appointments.join_after", a.JoinAfter.Duration, time.Minute, 4 * time.Hour},
	} {
		if d.v < d.min || d.v > d.max {
			return bad(d.f, d.v.String(), fmt.Sprintf("%s to %s", d.min, d.max))
		}
	}
	for i, r := range a.Reminders {
		if r.Duration < time.Minute || r.Duration > 30*24*time.Hour {
			return bad(fmt.Sprintf("appointments.reminders[%d]", i), r.String(), "1m to 720h")
		}
	}
	return nil
}

// validateBooking checks an office's services and reserved chairs.
func validateBooking(f string, o Office) error {
	seen := map[string]bool{}
	for j, s := range o.Services {
		sf := fmt.Sprintf("%s.services[%d]", f, j)
		if !slugRE.MatchString(s.ID) {
			return bad(sf+".id", fmt.Sprintf("%q", s.ID), "lower-case letters, digits and '-', up to 40")
		}
		if seen[s.ID] {
			return bad(sf+".id", fmt.Sprintf("%q used twice", s.ID), "unique ids per office")
		}
		seen[s.ID] = true
		if strings.TrimSpace(s.Name) == "" || len(s.Name) > 100 {
			return bad(sf+".name", "must be 1 to 100 characters", "")
		}
		if d := s.Duration.Duration; d < 5*time.Minute || d > 8*time.Hour || d%(5*time.Minute) != 0 {
			return bad(sf+".duration", s.Duration.String(), "a multiple of 5m from 5m to 8h")
		}
		if !slices.Contains(ServiceModes, s.Mode) {
			return bad(sf+".mode", fmt.Sprintf("%q", s.Mode), strings.Join(ServiceModes, ", "))
		}
		for _, l := range s.Languages {
			if !langRE.MatchString(l) {
				return bad(sf+".languages", fmt.Sprintf("%q", l), "ISO 639-1 codes such as de, en, tr")
			}
		}
		if len(s.WhatToBring) > 500 {
			return bad(sf+".what_to_bring", "longer than 500 characters", "")
		}
	}
	for day, n := range o.Appointments.Chairs {
		if !slices.Contains(weekdays, day) {
			return bad(f+".appointments.chairs", fmt.Sprintf("unknown day %q", day), strings.Join(weekdays, ", "))
		}
		if n < 0 || n > o.Chairs {
			return bad(f+".appointments.chairs."+day, fmt.Sprint(n), fmt.Sprintf("0 to the office's chairs (%d)", o.Chairs))
		}
	}
	return nil
}
