package app

import (
	"context"
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// feedSource lists the appointments of a staff calendar feed from the
// database: an office's, or those of every office a clerk serves (a
// booking names no clerk yet), with the office's and service's names.
type feedSource struct{ a *App }

var _ notify.Appointments = feedSource{}

func (a *App) feedSource() notify.Appointments {
	if a.Appointments != nil {
		return a.Appointments
	}
	return feedSource{a}
}

func (f feedSource) FeedEntries(ctx context.Context, scope notify.FeedScope, from, to time.Time) ([]notify.FeedEntry, error) {
	offices := []string{scope.Office}
	if scope.Clerk != "" {
		clerks, err := f.a.Staff.Clerks(ctx)
		if err != nil {
			return nil, err
		}
		offices = nil
		i := slices.IndexFunc(clerks, func(c staff.Clerk) bool { return c.Login == scope.Clerk })
		if i < 0 {
			return nil, nil
		}
		for _, o := range f.a.Rec.Offices() {
			if clerks[i].MemberOf(o.ID) {
				offices = append(offices, o.ID)
			}
		}
	}
	entries, err := f.a.DB.BookedAppointments(ctx, offices, from, to)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		if o, ok := f.a.Rec.Office(e.Office); ok {
			entries[i].Office = o.Name
		}
		if f.a.Book == nil {
			continue
		}
		if svcs, err := f.a.Book.Services(e.Office); err == nil {
			for _, s := range svcs {
				if s.ID == e.Service {
					entries[i].Service = s.Name
				}
			}
		}
	}
	return entries, nil
}
