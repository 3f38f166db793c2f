package app

import (
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// openNotify builds the outbox's delivery loop from the notify section:
// the senders of the configured channels and the retry policy. The loop
// runs from Start until Shutdown.
func (a *App) openNotify(loc *time.Location) error {
	n := a.Cfg.Notify
	r := &notify.Renderer{Cat: a.Catalogue, Loc: loc, Site: a.Cfg.Site.Name}
	senders := map[notify.Channel]notify.Sender{}
	if n.Email != nil {
		s, err := notify.NewEmailSender(*n.Email, r, nil)
		if err != nil {
			return err
		}
		senders[notify.ChannelEmail] = s
	}
	if n.SMS != nil {
		s, err := notify.NewSMSSender(*n.SMS, r, nil)
		if err != nil {
			return err
		}
		senders[notify.ChannelSMS] = s
	}
	a.Outbox = notify.New(a.DB, senders, notify.Policy{
		FirstRetry: n.FirstRetry.Duration, MaxRetry: n.MaxRetry.Duration,
		MaxAttempts: n.MaxAttempts, MaxAge: n.MaxAge.Duration, Keep: n.Keep.Duration,
	}, nil, notify.NewMetrics(a.Registry), a.Log)
	a.DB.SetOutboxWaker(a.Outbox.Wake)
	for ch := range senders {
		a.outboxChannels = append(a.outboxChannels, string(ch))
	}
	slices.Sort(a.outboxChannels)
	return nil
}
