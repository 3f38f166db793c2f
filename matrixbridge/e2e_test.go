package matrixbridge_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
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
	ben := e.newMXUser("ben")
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

	step(t, "non-clerk is refused", func() {
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

	step(t, "text both ways in order", func() {
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

	step(t, "files both ways", func() {
		pdf := []byte("%PDF-1.4 Meldebescheinigung " + strings.Repeat("x", 4000))
		cit.sendFile("meldebescheinigung.pdf", "application/pdf", pdf)
		evs := anna.waitFor(waitDelivery, "citizen file", func(evs []seen) bool {
			for _, s := range messagesIn(evs, portal) {
				if s.MsgType == event.MsgFile && s.Body == "meldebescheinigung.pdf" {
					return true
				}
			}
			return false
		})
		for _, s := range messagesIn(evs, portal) {
			if s.Body == "meldebescheinigung.pdf" {
				got, err := anna.cli.DownloadBytes(ctx, s.URL.ParseOrIgnore())
				must(t, err)
				if !bytes.Equal(got, pdf) {
					t.Fatalf("file on Matrix differs: %d bytes, want %d", len(got), len(pdf))
				}
			}
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)
		up, err := anna.cli.UploadBytesWithName(ctx, png, "image/png", "formular.png")
		must(t, err)
		_, err = anna.cli.SendMessageEvent(ctx, portal, event.EventMessage, &event.MessageEventContent{
			MsgType: event.MsgImage, Body: "formular.png", FileName: "formular.png", URL: up.ContentURI.CUString(),
			Info: &event.FileInfo{MimeType: "image/png", Size: len(png)}})
		must(t, err)
		ms := cit.waitFor(waitDelivery, "clerk file", func(ms []citizenMsg) bool {
			for _, m := range ms {
				if m.File != nil && m.File.Name == "formular.png" {
					return true
				}
			}
			return false
		})
		for _, m := range ms {
			if m.File != nil && m.File.Name == "formular.png" {
				if got := cit.fetchFile(m.File.ID); !bytes.Equal(got, png) {
					t.Fatalf("file at the citizen differs: %d bytes, want %d", len(got), len(png))
				}
			}
		}
	})

	step(t, "file above the appliance's limit is refused with a notice", func() {
		big := bytes.Repeat([]byte{'x'}, 11<<20) // the appliance's chat limit is 10 MiB
		up, err := anna.cli.UploadBytesWithName(ctx, big, "application/octet-stream", "zu-gross.bin")
		must(t, err)
		_, err = anna.cli.SendMessageEvent(ctx, portal, event.EventMessage, &event.MessageEventContent{
			MsgType: event.MsgFile, Body: "zu-gross.bin", FileName: "zu-gross.bin", URL: up.ContentURI.CUString(),
			Info: &event.FileInfo{MimeType: "application/octet-stream"}})
		must(t, err)
		anna.waitFor(waitDelivery, "not-delivered notice", func(evs []seen) bool {
			for _, s := range messagesIn(evs, portal) {
				if s.MsgType == event.MsgNotice && strings.HasPrefix(s.Body, "⚠ Nachricht nicht zugestellt") {
					return true
				}
			}
			return false
		})
	})

	step(t, "interpreter link", func() {
		anna.send(portal, "!dolmetscher tr")
		var link string
		anna.waitFor(waitDelivery, "invite link", func(evs []seen) bool {
			for _, s := range messagesIn(evs, portal) {
				if i := strings.Index(s.Body, e.app.URL+"/join#"); i >= 0 && s.MsgType == event.MsgNotice {
					link = strings.Fields(s.Body[i:])[0]
					return true
				}
			}
			return false
		})
		resp, err := e.app.Client().Get(link)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", link, resp.StatusCode)
		}
		token := link[strings.LastIndex(link, "#")+1:]
		redeem := func() int {
			req, _ := http.NewRequest(http.MethodPost, e.app.URL+"/api/v1/invites/redeem", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := e.app.Client().Do(req)
			must(t, err)
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := redeem(); code != 200 {
			t.Fatalf("first redeem: %d", code)
		}
		if code := redeem(); code == 200 {
			t.Fatalf("second redeem of a single-use link succeeded")
		}
	})

	step(t, "!invite makes a clerk colleague a participant, refuses others", func() {
		inviteColleague(ctx, t, e, anna, ben, cit, portal)
	})

	step(t, "bridge killed mid-conversation", func() {
		// A burst in both directions; the bridge is SIGKILLed while it is
		// bridging it, more is said while it is down.
		for i := 1; i <= 20; i++ {
			cit.say(fmt.Sprintf("Kill %d", i))
		}
		for i := 1; i <= 5; i++ {
			anna.send(portal, fmt.Sprintf("Absturz %d", i))
		}
		anna.waitFor(waitDelivery, "the burst is being bridged", func(evs []seen) bool {
			return len(bodies(messagesIn(evs, portal), "Kill ")) >= 3
		})
		e.killBridge()
		for i := 21; i <= 25; i++ {
			cit.say(fmt.Sprintf("Kill %d", i))
		}
		for i := 6; i <= 8; i++ {
			anna.send(portal, fmt.Sprintf("Absturz %d", i))
		}
		e.startBridge()
		anna.waitFor(waitCatchUp, "Kill 1..25 exactly once, in order", func(evs []seen) bool {
			return inOrder(bodies(messagesIn(evs, portal), "Kill "), "Kill ", 25)
		})
		cit.waitFor(waitCatchUp, "Absturz 1..8 exactly once, in order", func(ms []citizenMsg) bool {
			return inOrder(texts(ms, "clerk", "Absturz "), "Absturz ", 8)
		})
	})

	step(t, "appliance down: outbox delivers later, in order", func() {
		e.app.Close()
		for i := 1; i <= 3; i++ {
			anna.send(portal, fmt.Sprintf("Offline %d", i))
		}
		e.app.Restart()
		cit.waitMessages(waitCatchUp, "Offline 1..3 exactly once, in order", func(ms []citizenMsg) bool {
			return inOrder(texts(ms, "clerk", "Offline "), "Offline ", 3)
		})
		cit.say("Wieder da")
		anna.waitFor(waitCatchUp, "stream resumed after the appliance restart", func(evs []seen) bool {
			return len(bodies(messagesIn(evs, portal), "Wieder da")) == 1
		})
		cit.follow(ctx) // the restart closed the citizen's WebSocket
	})

	step(t, "homeserver outage of 30 s", func() {
		e.hs.Stop()
		outage := time.NewTimer(outageSeconds * time.Second) // the scenario: Dendrite is away this long
		for i := 1; i <= 3; i++ {
			cit.say(fmt.Sprintf("Ausfall %d", i))
		}
		<-outage.C
		e.hs.Start()
		anna.waitFor(waitCatchUp, "Ausfall 1..3 exactly once, in order", func(evs []seen) bool {
			return inOrder(bodies(messagesIn(evs, portal), "Ausfall "), "Ausfall ", 3)
		})
		anna.send(portal, "Nach Ausfall")
		cit.waitFor(waitDelivery, "message after the outage", func(ms []citizenMsg) bool {
			return len(texts(ms, "clerk", "Nach Ausfall")) == 1
		})
		// Nothing said before was repeated.
		evs := anna.waitFor(0, "", func([]seen) bool { return true })
		if got := bodies(messagesIn(evs, portal), "Bürger "); !inOrder(got, "Bürger ", 5) {
			t.Fatalf("earlier messages repeated: %v", got)
		}
		ms := cit.waitFor(0, "", func([]citizenMsg) bool { return true })
		if got := texts(ms, "clerk", "Amt "); !inOrder(got, "Amt ", 5) {
			t.Fatalf("earlier clerk messages repeated at the citizen: %v", got)
		}
	})

	step(t, "end closes and purges the room", func() {
		anna.send(portal, "!ende")
		cit.waitTicketState(waitDelivery, "ended")
		anna.waitFor(waitDelivery, "closing notice and removal from the purged room", func(evs []seen) bool {
			closed := false
			for _, s := range messagesIn(evs, portal) {
				if strings.Contains(s.Body, "Beratung ist beendet") {
					closed = true
				}
			}
			return closed && hasMember(evs, portal, anna.cli.UserID, event.MembershipLeave)
		})
		anna.waitFor(waitDelivery, "knock shows the end", func(evs []seen) bool {
			for _, s := range evs {
				if s.Replace == knockEvt.ID && strings.Contains(s.Body, "Beratung beendet") {
					return true
				}
			}
			return false
		})
	})

	step(t, "reaction admits, queue, forward, decline, return", func() {
		c2 := knock(t, e.app, "buergerbuero", "Meldebescheinigung")
		c3 := knock(t, e.app, "buergerbuero", "Bauantrag abgeben")
		c4 := knock(t, e.app, "buergerbuero", "Falsches Amt")
		knockOf := func(c *citizen) seen {
			var k seen
			anna.waitFor(waitDelivery, "knock "+c.Number, func(evs []seen) bool {
				for _, s := range messagesIn(evs, office) {
					if strings.Contains(s.Body, c.Number) && strings.Contains(s.Body, "Aufrufen") {
						k = s
						return true
					}
				}
				return false
			})
			return k
		}
		k2, k3 := knockOf(c2), knockOf(c3)
		knockOf(c4)
		anna.send(office, "!queue")
		anna.waitFor(waitDelivery, "queue listing", func(evs []seen) bool {
			for _, s := range messagesIn(evs, office) {
				if strings.HasPrefix(s.Body, "Warteschlange (3)") && strings.Contains(s.Body, c2.Number) && strings.Contains(s.Body, c4.Number) {
					return true
				}
			}
			return false
		})
		_, err := anna.cli.SendReaction(ctx, office, k2.ID, "✅")
		must(t, err)
		c2.waitTicketState(waitDelivery, "called", "in_consultation")
		anna.send(office, "!forward "+c3.Number+" bauamt Bauantrag gehört ins Bauamt")
		c3.waitTicketState(waitDelivery, "forwarded")
		anna.waitFor(waitDelivery, "knock edited as forwarded and posted in the Bauamt room", func(evs []seen) bool {
			edited, posted := false, false
			for _, s := range evs {
				if s.Replace == k3.ID && strings.Contains(s.Body, "weitergeleitet an bauamt") {
					edited = true
				}
				if s.Room != office && s.Replace == "" && strings.Contains(s.Body, c3.Number) && strings.Contains(s.Body, "weitergeleitet von buergerbuero") {
					posted = true
				}
			}
			return edited && posted
		})
		anna.send(office, "!decline "+c4.Number+" Bitte wenden Sie sich an die Kfz-Zulassung.")
		c4.waitTicketState(waitDelivery, "declined")
		anna.send(office, "!return "+c2.Number)
		c2.waitTicketState(waitDelivery, "returned", "waiting")
		anna.send(office, "!admit X-999")
		anna.waitFor(waitDelivery, "error reply for an unknown ticket", func(evs []seen) bool {
			for _, s := range messagesIn(evs, office) {
				if s.MsgType == event.MsgNotice && strings.HasPrefix(s.Body, "⚠ X-999") {
					return true
				}
			}
			return false
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

// step runs one stage of the scenario; stages share the clients, so a
// failure stops the whole test (no subtests: helpers fail the parent test).
func step(t *testing.T, name string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	t.Logf("step %q passed in %s", name, time.Since(start).Round(time.Millisecond))
}
