package connector

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"html"
	"strings"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"maunium.net/go/mautrix/event"

	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// handleEvent bridges one stream event. An error makes the stream deliver
// the event again (after a backoff), so every step here is idempotent:
// message ids are derived from appliance ids and bridgev2 drops duplicates.
func (c *Connector) handleEvent(ctx context.Context, svc *bridgev2.UserLogin, ev staffapi.Event) error {
	switch ev.Type {
	case staffapi.EventTicket:
		if ev.Ticket != nil {
			return c.onTicket(ctx, svc, *ev.Ticket)
		}
	case staffapi.EventMessage:
		if ev.Message != nil {
			return c.onMessage(ctx, svc, *ev.Message)
		}
	case staffapi.EventPresence:
		if ev.Clerk != nil {
			c.setClerk(*ev.Clerk)
			return c.ensureClerkLogin(ctx, *ev.Clerk)
		}
	}
	return nil
}

func queueResult(res bridgev2.EventHandlingResult) error {
	if res.Success {
		return nil
	}
	if res.Error != nil {
		return res.Error
	}
	return fmt.Errorf("bridging the event failed")
}

// Ghost ids: citizens get a random pseudonym per consultation, clerks not
// using Matrix their login, interpreters a hash of room and name.
func clerkGhost(login string) networkid.UserID { return networkid.UserID("clerk-" + login) }

func newCitizenGhost() networkid.UserID {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return networkid.UserID("b-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])))
}

func participantGhost(roomID, author string) networkid.UserID {
	h := sha256.Sum256([]byte(roomID + "\x00" + author))
	return networkid.UserID("p-" + hex.EncodeToString(h[:6]))
}

func (c *Connector) ghostInfo(ctx context.Context, g networkid.UserID) *bridgev2.UserInfo {
	name := string(g)
	isBot := false
	switch {
	case strings.HasPrefix(name, "clerk-"):
		name = c.clerkName(strings.TrimPrefix(name, "clerk-"))
	case strings.HasPrefix(name, "b-"):
		number := ""
		if r, ok, _ := c.st.roomByGhost(ctx, string(g)); ok {
			number = r.Number
		}
		name = strings.TrimSpace(c.t("ghost.citizen", args{"Number": number}))
	case strings.HasPrefix(name, "p-"):
		name = c.t("ghost.interpreter", nil)
	}
	return &bridgev2.UserInfo{Name: &name, IsBot: &isBot}
}

func clerkLogin(login string) networkid.UserLoginID {
	return networkid.UserLoginID(clerkLoginPrefix + login)
}

func knockID(officeID, ticketID string) networkid.MessageID {
	return networkid.MessageID("knock:" + officeID + ":" + ticketID)
}

func parseKnockID(mid networkid.MessageID) (officeID, ticketID string, ok bool) {
	rest, ok := strings.CutPrefix(string(mid), "knock:")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ":")
}

// renderKnock is the knock message of ticket t as shown in office's room.
func (c *Connector) renderKnock(t staffapi.Ticket, office string) string {
	var b strings.Builder
	if !t.AppointmentAt.IsZero() {
		// "Termin 10:15": a booked citizen, first in the queue
		b.WriteString(c.t("knock.appointment", args{"Time": t.AppointmentAt.Local().Format("15:04"), "Service": html.EscapeString(t.Service)}))
	}
	if t.Confidential {
		// a counselling office: that somebody waits, and the number; nothing else
		b.WriteString(c.t("knock.confidential", args{"Number": html.EscapeString(t.Number)}))
	} else {
		b.WriteString(c.t("knock", args{"Number": html.EscapeString(t.Number), "Language": html.EscapeString(t.Language), "Time": t.KnockedAt.Local().Format("15:04"), "Concern": textHTML(t.Concern)}))
	}
	if t.ForwardedFrom != "" && t.OfficeID == office && !t.Confidential {
		b.WriteString(c.t("knock.forwarded", args{"From": html.EscapeString(t.ForwardedFrom), "Note": textHTML(t.ForwardNote)}))
	}
	switch {
	case t.OfficeID != office:
		b.WriteString(c.t("state.forwarded", args{"Target": html.EscapeString(t.OfficeID)}))
	case t.State == staffapi.StateReturned:
		b.WriteString(c.t("state.returned", nil))
		b.WriteString(c.t("knock.hint", args{"Number": html.EscapeString(t.Number)}))
	case staffapi.Queued(t.State):
		b.WriteString(c.t("knock.hint", args{"Number": html.EscapeString(t.Number)}))
	case t.State == staffapi.StateCalled || t.State == staffapi.StateInConsultation:
		b.WriteString(c.t("state.called", args{"Clerk": html.EscapeString(c.clerkName(t.Clerk)), "Wait": fmtWait(time.Duration(t.WaitingSeconds) * time.Second)}))
	case t.State == staffapi.StateEnded:
		b.WriteString(c.t("state.ended", nil))
	case t.State == staffapi.StateDeclined:
		b.WriteString(c.t("state.declined", nil))
	case t.State == staffapi.StateAbandoned:
		b.WriteString(c.t("state.abandoned", nil))
	}
	return b.String()
}

func (c *Connector) onTicket(ctx context.Context, svc *bridgev2.UserLogin, t staffapi.Ticket) error {
	if !c.firstStart.IsZero() && t.KnockedAt.Before(c.firstStart) && !c.active[t.ID] {
		return nil // history from before the bridge's first start
	}
	if err := c.syncKnocks(ctx, svc, t); err != nil {
		return fmt.Errorf("knock %s: %w", t.Number, err)
	}
	switch t.State {
	case staffapi.StateCalled, staffapi.StateInConsultation:
		if t.RoomID != "" {
			return c.openRoom(ctx, svc, t)
		}
	case staffapi.StateEnded, staffapi.StateDeclined, staffapi.StateAbandoned, staffapi.StateReturned, staffapi.StateForwarded:
		if t.RoomID != "" {
			return c.closeRoom(ctx, svc, t.RoomID)
		}
	}
	return nil
}

// syncKnocks posts or edits the knock messages of t in every office room
// that shows it.
func (c *Connector) syncKnocks(ctx context.Context, svc *bridgev2.UserLogin, t staffapi.Ticket) error {
	offices, err := c.st.knockOffices(ctx, t.ID)
	if err != nil {
		return err
	}
	if staffapi.Queued(t.State) && !contains(offices, t.OfficeID) {
		offices = append(offices, t.OfficeID)
	}
	for _, o := range offices {
		body := c.renderKnock(t, o)
		old, shown, err := c.st.knockBody(ctx, t.ID, o)
		if err != nil {
			return err
		}
		if shown && old == body {
			continue
		}
		content := htmlContent(event.MsgText, body)
		meta := simplevent.EventMeta{PortalKey: officePortal(o), Timestamp: t.KnockedAt}
		var res bridgev2.EventHandlingResult
		if !shown {
			if err := c.ensureOfficePortal(ctx, svc, o, ""); err != nil {
				return err
			}
			res = svc.QueueRemoteEvent(c.bridged(meta.PortalKey, knockID(o, t.ID), bridgev2.EventSender{}, meta.Timestamp, 0, staticParts(content)))
		} else {
			meta.Timestamp = time.Now()
			res = svc.QueueRemoteEvent(&simplevent.Message[string]{
				EventMeta:     meta.WithType(bridgev2.RemoteEventEdit),
				TargetMessage: knockID(o, t.ID),
				Data:          body,
				ConvertEditFunc: func(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI, existing []*database.Message, body string) (*bridgev2.ConvertedEdit, error) {
					return &bridgev2.ConvertedEdit{ModifiedParts: []*bridgev2.ConvertedEditPart{{Part: existing[0], Type: event.EventMessage, Content: htmlContent(event.MsgText, body)}}}, nil
				},
			})
		}
		if err := queueResult(res); err != nil {
			return err
		}
		if err := c.st.putKnock(ctx, t.ID, o, t.Number, body); err != nil {
			return err
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
