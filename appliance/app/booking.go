package app

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// openBook builds the appointment book from the configured offices. Only
// offices declared in the configuration offer services.
// senders are the channels the outbox delivers on (empty: nothing is sent);
// secret is the book's key (bookingKey).
func openBook(cfg *config.Config, db *store.DB, loc *time.Location, senders []string, secret []byte, log *slog.Logger) (*appointments.Book, error) {
	ac := cfg.Appointments
	release, err := hours.ParseInterval(ac.ReleaseAt + "-24:00")
	if err != nil {
		return nil, fmt.Errorf("appointments.release_at: %w", err)
	}
	var channels map[notify.Channel]bool
	if cfg.Notify != nil {
		channels = map[notify.Channel]bool{}
		for _, c := range senders {
			channels[notify.Channel(c)] = true
		}
	}
	set := appointments.Settings{Channels: channels, HorizonDays: ac.HorizonDays, LeadTime: ac.LeadTime.Duration, Release: release.Open,
		HoldTTL: ac.HoldTTL.Duration, CodeAttempts: ac.CodeAttempts, OfferWindow: ac.OfferWindow.Duration,
		Retention: ac.Retention.Duration, HoldBurst: ac.HoldBurst, HoldPer: ac.HoldPer.Duration, ContactBurst: ac.ContactBurst,
		ContactPer: ac.ContactPer.Duration, JoinBefore: ac.JoinBefore.Duration, JoinAfter: ac.JoinAfter.Duration, PublicURL: strings.TrimRight(cfg.Site.PublicURL, "/"), Secret: secret, Loc: loc}
	for _, r := range ac.Reminders {
		set.Reminders = append(set.Reminders, r.Duration)
	}
	var offices []appointments.Office
	for _, o := range cfg.Offices {
		sched, err := hours.FromConfig(o.Hours, o.Exceptions, cfg.Site.State, o.IgnoreHolidays, loc)
		if err != nil {
			return nil, err
		}
		ao := appointments.Office{ID: o.ID, Name: o.Name, Schedule: sched}
		for day, n := range o.Appointments.Chairs {
			ao.Chairs[weekday(day)] = n
		}
		for _, s := range o.Services {
			ao.Services = append(ao.Services, appointments.Service{ID: s.ID, Name: s.Name, Duration: s.Duration.Duration,
				Languages: s.Languages, WhatToBring: s.WhatToBring, Mode: appointments.Mode(s.Mode)})
		}
		offices = append(offices, ao)
	}
	return appointments.New(db, set, offices, log), nil
}

func weekday(key string) time.Weekday {
	for i, k := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		if k == key {
			return time.Weekday(i)
		}
	}
	return time.Sunday
}

// loadSecret reads the booking key, creating it (32 random bytes, 0600)
// at first start; created reports that it did.
func loadSecret(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, false, nil
	}
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("appointments.secret_file %s: unreadable or shorter than 32 bytes", path)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("appointments.secret_file: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, false, fmt.Errorf("appointments.secret_file: %w", err)
	}
	return b, true, nil
}
