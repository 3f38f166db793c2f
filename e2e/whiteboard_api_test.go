package e2e

import (
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestWhiteboardAPIRules: the whiteboard endpoint follows the API's strict
// rules and the room's access rules: JSON only, same site only, no unknown
// fields (422), bad drawings refused with the field named, participants only (a
// citizen of another room, nobody without a token); a re-sent operation is
// applied once; the laser pointer is answered 204 and not stored; after
// the end of the consultation the citizen is out and the board is gone.
func TestWhiteboardAPIRules(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	k := newClient(t, srv).knock("buergerbuero", "Tafel")
	var adm struct {
		RoomID string `json:"room_id"`
	}
	if st := anna.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &adm); st != 200 || adm.RoomID == "" {
		t.Fatalf("admit: %d %+v", st, adm)
	}
	path := "/api/v1/rooms/" + adm.RoomID + "/whiteboard"
	citizen := func(method, body string, extra ...string) rawCall {
		h := map[string]string{"Authorization": "Bearer " + k.Token, "X-Ticket": k.ID, "Content-Type": "application/json"}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		return rawCall{method: method, path: path, body: body, header: h}
	}
	stroke := `{"op":"add","id":"s1","item":{"kind":"stroke","color":"blue","size":2,"points":[[0.1,0.2,0.5],[0.3,0.4,0.5]]}}`
	for _, c := range []struct {
		name   string
		call   rawCall
		status int
		code   string
		field  string
	}{
		{"text/plain", citizen("POST", stroke, "Content-Type", "text/plain"), 415, "unsupported_media_type", ""},
		{"another site", citizen("POST", stroke, "Origin", "https://evil.example"), 403, "cross_site", ""},
		{"unknown field", citizen("POST", `{"op":"add","id":"s1","colour":"blue"}`), 422, "unknown_field", "colour"},
		{"off the board", citizen("POST", `{"op":"add","id":"s1","item":{"kind":"line","color":"red","size":1,"points":[[0,0],[1.5,0]]}}`), 422, "invalid", "points"},
		{"off the palette", citizen("POST", `{"op":"add","id":"s1","item":{"kind":"line","color":"pink","size":1,"points":[[0,0],[1,0]]}}`), 422, "invalid", "color"},
		{"too many points", citizen("POST", `{"op":"add","id":"s1","item":{"kind":"stroke","color":"red","size":1,"points":[`+strings.Repeat("[0.5,0.5],", 2000)+`[0.5,0.5]]}}`), 422, "invalid", "points"},
		{"pointer without x", citizen("POST", `{"op":"pointer","y":0.5}`), 422, "invalid", "points"},
		{"no token", rawCall{method: "GET", path: path}, 401, "unauthorized", ""},
	} {
		status, e := c.call.do(t, srv)
		if status != c.status || e.Error.Code != c.code || e.Error.Field != c.field || e.Error.Message == "" {
			t.Errorf("%s: %d %+v, want %d %s field %q with a message", c.name, status, e.Error, c.status, c.code, c.field)
		}
	}

	// a re-send is the first operation, once
	var first, again struct{ Seq int64 }
	if st := anna.do("POST", path, jsonRaw(stroke), &first); st != 201 {
		t.Fatalf("clerk's stroke: %d", st)
	}
	if st := anna.do("POST", path, jsonRaw(stroke), &again); st != 200 || again.Seq != first.Seq {
		t.Fatalf("re-send: %d seq %d, first %d", st, again.Seq, first.Seq)
	}
	// the laser pointer is relayed, never stored
	if status, e := citizen("POST", `{"op":"pointer","x":0.5,"y":0.25}`).do(t, srv); status != 204 {
		t.Fatalf("pointer: %d %+v", status, e)
	}
	var snap struct {
		Seq   int64
		Ops   int
		Items []struct{ ID string }
	}
	if st := anna.do("GET", path, nil, &snap); st != 200 || snap.Ops != 1 || len(snap.Items) != 1 || snap.Seq != first.Seq {
		t.Fatalf("snapshot: %d %+v", st, snap)
	}

	// a citizen of another room reads nothing of this board
	k2 := admitOther(t, srv)
	other := rawCall{method: "GET", path: path, header: map[string]string{"Authorization": "Bearer " + k2.Token, "X-Ticket": k2.ID}}
	if status, _ := other.do(t, srv); status != 403 {
		t.Fatalf("a citizen of another room reads the board: %d", status)
	}

	// the end: the citizen is out, the board is gone with the room's content
	if st := anna.do("POST", "/api/v1/staff/tickets/"+k.ID+"/end", map[string]string{}, nil); st != 200 {
		t.Fatalf("end: %d", st)
	}
	if status, _ := citizen("GET", "").do(t, srv); status != 403 {
		t.Fatalf("the citizen after the end: %d", status)
	}
	if st := anna.do("GET", path, nil, &snap); st != 200 || snap.Ops != 0 || len(snap.Items) != 0 {
		t.Fatalf("the board after the end: %d %+v", st, snap)
	}
}

// admitOther knocks at the Bauamt and has Ben admit, for a second room
// beside Anna's.
func admitOther(t *testing.T, srv *apptest.Server) knockResult {
	t.Helper()
	k := newClient(t, srv).knock("bauamt", "Andere Sache")
	ben := newClient(t, srv)
	ben.login(srv.Clerks[1].Login, srv.Clerks[1].Password)
	var adm struct {
		RoomID string `json:"room_id"`
	}
	if st := ben.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &adm); st != 200 {
		t.Fatalf("admit at the Bauamt: %d", st)
	}
	return k
}

// jsonRaw lets apiClient.do send a JSON text as it is.
type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }
