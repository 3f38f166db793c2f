package app

import (
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/web"
)

// openNotify builds the outbox's delivery loop from the notify section:
// the senders of the configured channels and the retry policy. The loop
// runs from Start until Shutdown.
func (a *App) openNotify(loc *time.Location) error {
	n := a.Cfg.Notify
	r := &notify.Renderer{Cat: a.Catalogue, Loc: loc, Site: a.Cfg.Site.Name}
	senders := map[notify.Channel]notify.Sender{}
	if a.wantMailbox {
		a.Mailbox = notify.NewMailbox(r, 50)
		senders[notify.ChannelEmail] = a.Mailbox
	} else if n.Email != nil {
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
		Shared: a.DB.Shared(),
	}, nil, notify.NewMetrics(a.Registry), a.Log)
	a.DB.SetOutboxWaker(a.Outbox.Wake)
	for ch := range senders {
		a.outboxChannels = append(a.outboxChannels, string(ch))
	}
	slices.Sort(a.outboxChannels)
	return nil
}

// Option changes how Open builds the appliance.
type Option func(*App)

// DemoMailbox keeps the e-mails the appliance would send in memory instead
// of sending them (App.Mailbox, shown at /demo/mailbox), so the demo's
// booking loop works without a mail relay. Only for `buergerbuero demo`.
func DemoMailbox() Option { return func(a *App) { a.wantMailbox = true } }

// mailbox is the demo's mailbox for the web server, nil without one (a nil
// *notify.Mailbox in the interface would not compare equal to nil).
func (a *App) mailbox() web.Mailbox {
	if a.Mailbox == nil {
		return nil
	}
	return a.Mailbox
}
