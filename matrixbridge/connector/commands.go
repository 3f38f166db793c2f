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
	reply := func(s string) { c.notice(ctx, portal, s) }
	if cmd.Verb == VerbUnknown || cmd.Verb == VerbInterpreter || cmd.Verb == VerbInvite || cmd.Verb == VerbEnd {
		reply(c.t("unknown", args{"Command": html.EscapeString(cmd.Name)}))
		return
	}
	if !valid {
		reply(c.t("usage", args{"Usage": html.EscapeString(cmd.Verb.usage())}))
		return
	}
	api, as := c.opt.API, clerk.Login
	num := html.EscapeString(cmd.Ticket)
	var err error
	switch cmd.Verb {
	case VerbHelp:
		reply(c.t("help.office", nil))
		return
	case VerbQueue:
		reply(c.renderQueue(ctx, clerk, officeID))
		return
	case VerbAdmit:
		if _, err = api.Admit(ctx, as, cmd.Ticket); err == nil {
			reply(c.t("admitted", args{"Number": num}))
		}
	case VerbDecline:
		if _, err = api.Decline(ctx, as, cmd.Ticket, cmd.Text); err == nil {
			reply(c.t("declined", args{"Number": num}))
		}
	case VerbReturn:
		if _, err = api.Return(ctx, as, cmd.Ticket); err == nil {
			reply(c.t("returned", args{"Number": num}))
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
			reply(c.t("forwarded", args{"Number": num, "Target": html.EscapeString(cmd.Target)}))
		}
	}
	if err != nil {
		reply(c.t("failed", args{"Command": num, "Reason": c.errText(err)}))
	}
}

func (c *Connector) renderQueue(ctx context.Context, clerk staffapi.Clerk, officeID string) string {
	offices, err := c.opt.API.Offices(ctx, clerk.Login)
	if err != nil {
		return c.t("failed", args{"Command": "!queue", "Reason": c.errText(err)})
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
			return c.t("queue.empty", nil)
		}
		var b strings.Builder
		b.WriteString(c.t("queue.head", args{"N": len(queue)}))
		for i, t := range queue {
			wait := time.Duration(t.WaitingSeconds) * time.Second
			if wait == 0 && !t.KnockedAt.IsZero() {
				wait = time.Since(t.KnockedAt)
			}
			b.WriteString("<br>")
			b.WriteString(c.t("queue.line", args{"Pos": i + 1, "Number": html.EscapeString(t.Number), "Language": html.EscapeString(t.Language), "Wait": fmtWait(wait)}))
		}
		return b.String()
	}
	return c.t("queue.empty", nil)
}

func fmtWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}

// roomCommand carries out a consultation-room command for clerk.
func (c *Connector) roomCommand(ctx context.Context, portal *bridgev2.Portal, clerk staffapi.Clerk, r room, cmd Command, valid bool) {
	reply := func(s string) { c.notice(ctx, portal, s) }
	switch cmd.Verb {
	case VerbHelp:
		reply(c.t("help.room", nil))
		return
	case VerbInterpreter, VerbInvite, VerbEnd:
	default:
		reply(c.t("unknown", args{"Command": html.EscapeString(cmd.Name)}))
		return
	}
	if !valid {
		reply(c.t("usage", args{"Usage": html.EscapeString(cmd.Verb.usage())}))
		return
	}
	switch cmd.Verb {
	case VerbInterpreter:
		inv, err := c.opt.API.Invite(ctx, clerk.Login, r.RoomID, "interpreter", cmd.Target, cmd.Text)
		if err != nil {
			reply(c.t("failed", args{"Command": "!dolmetscher", "Reason": c.errText(err)}))
			return
		}
		u := html.EscapeString(inv.URL)
		reply(c.t("interpreter", args{"Language": html.EscapeString(cmd.Target), "Until": inv.ExpiresAt.Local().Format("15:04"), "URL": u}))
	case VerbInvite:
		c.inviteColleague(ctx, portal, clerk, r, id.UserID(cmd.Target))
	case VerbEnd:
		if _, err := c.opt.API.End(ctx, clerk.Login, r.TicketID); err != nil {
			reply(c.t("failed", args{"Command": "!ende", "Reason": c.errText(err)}))
		}
	}
}
