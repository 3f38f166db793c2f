package app

import (
	"github.com/buergerbuero/buergerbuero/appliance/events"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// openEvents creates the events service: speakers are looked up among the
// staff, the stage and cancellations reach the embedded SFU.
func (a *App) openEvents() *events.Service {
	set := events.Settings{Clerk: a.Staff.Clerk}
	if m, ok := a.Media.(*Media); ok && m != nil {
		set.Stage = func(room, identity string, audio, video bool) {
			if m.SFU != nil {
				m.SFU.SetStage(room, identity, sfu.Stage{Audio: audio, Video: video})
			}
		}
	}
	if a.Media != nil {
		set.Cancelled = a.Media.CloseRoom
	}
	a.Events = events.New(a.DB, set)
	return a.Events
}
