package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// staffRoomStream opens a permanent room's stream as a signed-in member of
// staff (session cookie), as the room page does.
func staffRoomStream(t *testing.T, srv *apptest.Server, c *apiClient, room string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	var cookies []string
	for _, ck := range c.http.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	h := http.Header{"Cookie": {strings.Join(cookies, "; ")}, "Origin": {srv.URL}}
	d := websocket.Dialer{TLSClientConfig: srv.TLSConfig()}
	return d.Dial("wss://"+u.Host+"/api/v1/rooms/"+room+"/events", h)
}

// TestPermanentRoomThirteenthIsRefused: a permanent room holds twelve
// people; with a host and eleven admitted guests inside, the next knock
// cannot be admitted and a thirteenth person (a colleague) is refused the
// room and its video with a clear message.
func TestPermanentRoomThirteenthIsRefused(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	room := createPermanentRoom(t, srv, "Bauamt Besprechungsraum 2", false)
	host := newClient(t, srv)
	host.login("anna", srv.Clerks[0].Password)
	ws, _, err := staffRoomStream(t, srv, host, room)
	if err != nil {
		t.Fatalf("host enters: %v", err)
	}
	defer ws.Close()
	waitFor(t, pageWait, "the host is inside", func() bool {
		var st struct{ Count int }
		newClient(t, srv).do("GET", "/api/v1/permanent-rooms/"+room, nil, &st)
		return st.Count == 1
	})
	type knock struct{ ID, Token string }
	var knocks []knock
	for i := range 12 {
		var k knock
		if st := newClient(t, srv).do("POST", "/api/v1/permanent-rooms/"+room+"/knocks", map[string]string{"name": "Gast " + itoa(i+1)}, &k); st != 201 {
			t.Fatalf("knock %d: %d", i+1, st)
		}
		knocks = append(knocks, k)
	}
	var e apiError
	if st := host.do("POST", "/api/v1/staff/permanent-rooms/"+room+"/admit", map[string]string{}, &e); st != http.StatusServiceUnavailable || e.Error.Code != "permanent_room_full" {
		t.Fatalf("admit all thirteen: %d %s", st, e)
	}
	for i, k := range knocks[:11] {
		g := newClient(t, srv)
		g.token = k.Token
		var f struct{ State, Session string }
		if st := g.do("GET", "/api/v1/permanent-rooms/"+room+"/knocks/"+k.ID, nil, &f); st != 200 || f.State != "admitted" {
			t.Fatalf("guest %d: %d %+v", i+1, st, f)
		}
		gws, err := dialStream(srv.URL, srv.TLSConfig(), "/api/v1/rooms/"+room+"/events", "", f.Session, "")
		if err != nil {
			t.Fatalf("guest %d enters: %v", i+1, err)
		}
		defer gws.Close()
	}
	waitFor(t, pageWait, "twelve inside", func() bool {
		var st struct{ Count int }
		newClient(t, srv).do("GET", "/api/v1/permanent-rooms/"+room, nil, &st)
		return st.Count == 12
	})
	// the twelfth knock waits; admitting it is refused
	if st := host.do("POST", "/api/v1/staff/permanent-rooms/"+room+"/admit", map[string]string{"knock_id": knocks[11].ID}, &e); st != http.StatusServiceUnavailable || !strings.Contains(e.Error.Message, "12") {
		t.Fatalf("admit a 13th: %d %s", st, e)
	}
	// a colleague is the 13th: the room says full, video and stream refuse
	ben := newClient(t, srv)
	ben.login("ben", srv.Clerks[1].Password)
	var info struct {
		Permanent struct{ Full bool } `json:"permanent"`
	}
	if st := ben.do("GET", "/api/v1/rooms/"+room, nil, &info); st != 200 || !info.Permanent.Full {
		t.Fatalf("room info for the 13th: %d %+v", st, info)
	}
	if st := ben.do("GET", "/api/v1/rooms/"+room+"/media", nil, &e); st != http.StatusServiceUnavailable || e.Error.Code != "permanent_room_full" {
		t.Fatalf("video for the 13th: %d %s", st, e)
	}
	if _, res, err := staffRoomStream(t, srv, ben, room); err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("stream for the 13th: %v %v", err, res)
	}
}
