package app

import (
	"context"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/appointments"
)

// adminHooks apply a change made in the web administration without a
// restart: the reception reloads its offices and site defaults, the
// appointment book its offices.
func (a *App) adminHooks() admin.Hooks {
	return admin.Hooks{OfficesChanged: a.Rec.ReloadOffices, SiteChanged: a.Rec.SetSiteDefaults, BookChanged: a.rebuildBook}
}

// rebuildBook gives the appointment book the offices as they are now: every
// stored office (the file's are written at start) with its services (the
// file's, or those the web administration keeps) and its schedule under
// the effective Bundesland.
func (a *App) rebuildBook(ctx context.Context) error {
	if a.Book == nil || a.Admin == nil {
		return nil
	}
	loc, err := time.LoadLocation(a.Cfg.Site.TimeZone)
	if err != nil {
		return err
	}
	list, err := a.DB.Offices(ctx)
	if err != nil {
		return err
	}
	state := a.Admin.Site().State
	out := make([]appointments.Office, 0, len(list))
	for _, o := range list {
		sched, err := o.Schedule(state, loc)
		if err != nil {
			return fmt.Errorf("office %s: %w", o.ID, err)
		}
		ao := appointments.Office{ID: o.ID, Name: o.Name, Schedule: sched}
		for day, n := range o.ReservedChairs {
			ao.Chairs[weekday(day)] = n
		}
		for _, s := range a.Admin.Services(o.ID) {
			ao.Services = append(ao.Services, appointments.Service{ID: s.ID, Name: s.Name, Duration: s.Duration,
				Languages: s.Languages, WhatToBring: s.WhatToBring, Mode: appointments.Mode(s.Mode)})
		}
		out = append(out, ao)
	}
	a.Book.SetOffices(out)
	return nil
}
