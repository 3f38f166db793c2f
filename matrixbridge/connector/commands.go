package connector

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// officeCommand carries out a reception-room command for clerk.
func (c *Connector) officeCommand(ctx context.Context, portal *bridgev2.Portal, clerk staffapi.Clerk, officeID string, cmd Command, valid bool) {
	lang := c.lang()
	reply := func(s string) { c.notice(ctx, portal, s) }
	if cmd.Verb == VerbUnknown || cmd.Verb == VerbInterpreter || cmd.Verb == VerbInvite || cmd.Verb == VerbEnd {
		reply(tr(lang, "unknown", html.EscapeString(cmd.Name)))
		return
	}
	if !valid {
		reply(tr(lang, "usage", html.EscapeString(cmd.Verb.usage())))
		return
	}
	api, as := c.opt.API, clerk.Login
	num := html.EscapeString(cmd.Ticket)
	var err error
	switch cmd.Verb {
	case VerbHelp:
		reply(tr(lang, "help.office"))
		return
	case VerbQueue:
		reply(c.renderQueue(ctx, clerk, officeID))
		return
	case VerbAdmit:
		if _, err = api.Admit(ctx, as, cmd.Ticket); err == nil {
			reply(tr(lang, "admitted", num))
		}
	case VerbDecline:
		if _, err = api.Decline(ctx, as, cmd.Ticket, cmd.Text); err == nil {
			reply(tr(lang, "declined", num))
		}
	case VerbReturn:
		if _, err = api.Return(ctx, as, cmd.Ticket); err == nil {
			reply(tr(lang, "returned", num))
		}
	case VerbForward:
		office, clerkLogin := cmd.Target, ""
		if strings.HasPrefix(cmd.Target, "@") {
			office = ""
			clerkLogin = strings.TrimPrefix(cmd.Target, "@")
			if strings.Contains(cmd.Target, ":") { // a Matrix ID: find the clerk
				if cl, ok := c.clerkByMXID(ctx, id.UserID(cmd.Target)); ok {
					clerkLogin = cl.Login
				}
			}
		}
		if _, err = api.Forward(ctx, as, cmd.Ticket, office, clerkLogin, cmd.Text); err == nil {
			reply(tr(lang, "forwarded", num, html.EscapeString(cmd.Target)))
		}
	}
	if err != nil {
		reply(tr(lang, "failed", num, c.errText(err)))
	}
}

func (c *Connector) renderQueue(ctx context.Context, clerk staffapi.Clerk, officeID string) string {
	lang := c.lang()
	offices, err := c.opt.API.Offices(ctx, clerk.Login)
	if err != nil {
		return tr(lang, "failed", "!queue", c.errText(err))
	}
	for _, o := range offices {
		if o.ID != officeID {
			continue
		}
		var queue []staffapi.Ticket
		for _, t := range o.Queue {
			if staffapi.Queued(t.State) {
				queue = append(queue, t)
			}
		}
		if len(queue) == 0 {
			return tr(lang, "queue.empty")
		}
		var b strings.Builder
		b.WriteString(tr(lang, "queue.head", len(queue)))
		for i, t := range queue {
			wait := time.Duration(t.WaitingSeconds) * time.Second
			if wait == 0 && !t.KnockedAt.IsZero() {
				wait = time.Since(t.KnockedAt)
			}
			b.WriteString("<br>")
			b.WriteString(tr(lang, "queue.line", i+1, html.EscapeString(t.Number), html.EscapeString(t.Language), fmtWait(wait)))
		}
		return b.String()
	}
	return tr(lang, "queue.empty")
}

func fmtWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}

// roomCommand carries out a consultation-room command for clerk.
func (c *Connector) roomCommand(ctx context.Context, portal *bridgev2.Portal, clerk staffapi.Clerk, r room, cmd Command, valid bool) {
	lang := c.lang()
	reply := func(s string) { c.notice(ctx, portal, s) }
	switch cmd.Verb {
	case VerbHelp:
		reply(tr(lang, "help.room"))
		return
	case VerbInterpreter, VerbInvite, VerbEnd:
	default:
		reply(tr(lang, "unknown", html.EscapeString(cmd.Name)))
		return
	}
	if !valid {
		reply(tr(lang, "usage", html.EscapeString(cmd.Verb.usage())))
		return
	}
	switch cmd.Verb {
	case VerbInterpreter:
		inv, err := c.opt.API.Invite(ctx, clerk.Login, r.RoomID, "interpreter", cmd.Target, cmd.Text)
		if err != nil {
			reply(tr(lang, "failed", "!dolmetscher", c.errText(err)))
			return
		}
		u := html.EscapeString(inv.URL)
		reply(tr(lang, "interpreter", html.EscapeString(cmd.Target), inv.ExpiresAt.Local().Format("15:04"), u, u))
	case VerbInvite:
		c.inviteColleague(ctx, portal, clerk, r, id.UserID(cmd.Target))
	case VerbEnd:
		if _, err := c.opt.API.End(ctx, clerk.Login, r.TicketID); err != nil {
			reply(tr(lang, "failed", "!ende", c.errText(err)))
		}
	}
}
