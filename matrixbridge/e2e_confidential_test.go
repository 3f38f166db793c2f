package matrixbridge_test

import (
	"context"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestBridgeConfidentialOffice: a knock on a counselling office reaches the
// clerks' Matrix room as "a citizen is waiting (number)" only — no
// concern, no name — and its consultation, chat included, stays off
// Matrix.
func TestBridgeConfidentialOffice(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tier (real Dendrite and appliance) skipped under -short")
	}
	const category = "Schwangerschaftskonfliktberatung"
	e := newEnv(t, "bb.test", func(c *config.Config) {
		c.Offices[1].Confidential = true // bauamt stands in for the counselling office
		c.Offices[1].ConcernCategories = []string{"HIV-Beratung", category}
	})
	anna := e.newMXUser("anna")
	e.startBridge()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cit := &citizen{t: t, app: e.app, hc: e.app.Client(), notify: make(chan struct{})}
	var out struct{ ID, Number, Token string }
	cit.do("POST", "/api/v1/offices/bauamt/knocks", map[string]string{"concern": category, "name": "Erika Verborgen", "language": "de"}, &out, 201)
	cit.ID, cit.Number, cit.Token = out.ID, out.Number, out.Token
	var knockMsg seen
	anna.waitFor(waitBridgeUp, "knock message "+cit.Number, func(evs []seen) bool {
		for _, s := range evs {
			if s.Type == event.EventMessage && strings.Contains(s.Body, cit.Number) {
				knockMsg = s
				return true
			}
		}
		return false
	})
	if !strings.Contains(knockMsg.Body, "wartet") {
		t.Errorf("knock message %q does not say that somebody waits", knockMsg.Body)
	}

	// the whole consultation: admitted from Matrix, a chat message, the end
	anna.send(knockMsg.Room, "!admit "+cit.Number)
	cit.waitTicketState(waitDelivery, "called", "in_consultation")
	cit.do("POST", "/api/v1/tickets/"+cit.ID+"/enter", nil, nil, 200)
	cit.follow(ctx)
	cit.say("Geheimer Chat im Beratungsgespräch")
	anna.waitFor(waitDelivery, "knock edited with the admitting clerk", func(evs []seen) bool {
		for _, s := range evs {
			if s.Replace != "" && strings.Contains(s.Body, cit.Number) && strings.Contains(s.Body, "aufgerufen") {
				return true
			}
		}
		return false
	})

	// a knock on an ordinary office afterwards: once it shows, everything
	// the stream had about the counselling visit has been bridged
	other := knock(t, e.app, "buergerbuero", "Personalausweis beantragen")
	evs := anna.waitFor(waitDelivery, "knock of the ordinary office", func(evs []seen) bool {
		for _, s := range evs {
			if s.Type == event.EventMessage && strings.Contains(s.Body, other.Number) && strings.Contains(s.Body, "Personalausweis") {
				return true
			}
		}
		return false
	})
	for _, s := range evs {
		for _, secret := range []string{category, "Erika", "Verborgen", "Geheimer Chat"} {
			if strings.Contains(s.Body, secret) {
				t.Errorf("Matrix shows %q: %s event %q", secret, s.Type.Type, s.Body)
			}
		}
		if s.Type == event.EventMessage && strings.Contains(s.Body, "Beratung mit "+cit.Number) {
			t.Errorf("the counselling consultation was bridged: %q", s.Body)
		}
	}
}
