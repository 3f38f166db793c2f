package matrixbridge_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// inviteColleague is the "!invite" stage of TestBridgeEndToEnd. A
// consultation is private to its participants: ben, a clerk of the same
// office who is in the Matrix room only because anna invited him there by
// hand, is refused — his message does not reach the chat, he cannot add
// himself — until anna adds him with !invite; then his messages reach the
// consultation. A non-clerk is not invited at all.
func inviteColleague(ctx context.Context, t *testing.T, e *env, anna, ben *mxUser, cit *citizen, portal id.RoomID) {
	notice := func(u *mxUser, what string, parts ...string) {
		t.Helper()
		u.waitFor(waitDelivery, what, func(evs []seen) bool {
			for _, s := range messagesIn(evs, portal) {
				if s.MsgType == event.MsgNotice && containsAll(s.Body, parts...) {
					return true
				}
			}
			return false
		})
	}
	anna.send(portal, "!invite @mallory:bb.test")
	notice(anna, "refusal to invite a non-clerk", "@mallory:bb.test ist keine Sachbearbeiterin")

	// ben joins the Matrix room without being added to the consultation
	if _, err := anna.cli.InviteUser(ctx, portal, &mautrix.ReqInviteUser{UserID: ben.cli.UserID}); err != nil {
		t.Fatalf("invite ben on Matrix: %v", err)
	}
	ben.waitFor(waitDelivery, "ben joined the consultation room", func(evs []seen) bool {
		return hasMember(evs, portal, ben.cli.UserID, event.MembershipJoin)
	})
	ben.send(portal, "Vor der Einladung")
	notice(ben, "refusal of the non-participant's message",
		"Nachricht nicht zugestellt", "nicht teil", "!invite @ben:bb.test")
	ben.send(portal, "!invite @ben:bb.test")
	notice(ben, "refusal of a non-participant's !invite", "@ben:bb.test wurde nicht eingeladen", "nicht teil")

	anna.send(portal, "!invite @ben:bb.test")
	notice(anna, "invite confirmation", "@ben:bb.test nimmt jetzt an der Beratung teil")
	ben.send(portal, "Kollege hier")
	cit.waitFor(waitDelivery, "message of the invited colleague", func(ms []citizenMsg) bool {
		for _, m := range ms {
			if m.Text == "Kollege hier" && m.AuthorRole == "clerk" && m.Author == "Ben Yılmaz" {
				return true
			}
		}
		return false
	})

	// the consultation's chat as the appliance keeps it, read as ben (a
	// participant now): the addition is recorded, the refused message is not
	chat := staffMessages(t, e, "ben", cit.Room)
	var added, colleague bool
	for _, m := range chat {
		added = added || (m.AuthorRole == "system" && strings.Contains(m.Text, "hat Ben Yılmaz zum Gespräch hinzugefügt"))
		colleague = colleague || (m.Text == "Kollege hier" && m.Author == "Ben Yılmaz")
		if m.Text == "Vor der Einladung" {
			t.Errorf("the message ben sent before he was added reached the consultation: %+v", m)
		}
	}
	if !added || !colleague {
		t.Errorf("room messages lack the addition (%v) or ben's message (%v): %+v", added, colleague, chat)
	}
}

// staffMessages reads a room's chat through the staff API, as the bridge's
// service client acting for login.
func staffMessages(t *testing.T, e *env, login, room string) []citizenMsg {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.app.URL+"/api/v1/staff/rooms/"+url.PathEscape(room)+"/messages?after=0", nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+e.app.ServiceToken)
	req.Header.Set("X-Act-As", login)
	resp, err := e.app.Client().Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("room messages as %s: %d", login, resp.StatusCode)
	}
	var out struct {
		Messages []citizenMsg `json:"messages"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&out))
	return out.Messages
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
