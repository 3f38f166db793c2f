package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// staffAs logs a clerk of the fixture in.
func staffAs(t *testing.T, srv *apptest.Server, login string) *apiClient {
	t.Helper()
	c := newClient(t, srv)
	for _, k := range srv.Clerks {
		if k.Login == login {
			c.login(k.Login, k.Password)
			return c
		}
	}
	t.Fatalf("no clerk %s", login)
	return nil
}

// admitted knocks on office and lets clerk admit; it returns the citizen
// (with the ticket token) and the room.
func admitted(t *testing.T, srv *apptest.Server, clerk *apiClient, office string, knock map[string]string) (citizen *apiClient, ticketID, room string) {
	t.Helper()
	citizen = newClient(t, srv)
	var k knockResult
	if st := citizen.do("POST", "/api/v1/offices/"+office+"/knocks", knock, &k); st != 201 {
		t.Fatalf("knock: %d", st)
	}
	citizen.token = k.Token
	var a struct {
		RoomID string `json:"room_id"`
	}
	if st := clerk.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]any{}, &a); st != 200 {
		t.Fatalf("admit: %d", st)
	}
	if st := citizen.do("POST", "/api/v1/tickets/"+k.ID+"/enter", map[string]any{}, nil); st != 200 {
		t.Fatalf("enter: %d", st)
	}
	return citizen, k.ID, a.RoomID
}

type roomMessage struct {
	Seq        int64  `json:"seq"`
	AuthorRole string `json:"author_role"`
	Text       string `json:"text"`
	File       *struct {
		ID string `json:"id"`
	} `json:"file"`
}

func messagesOf(t *testing.T, c *apiClient, room string) (int, []roomMessage) {
	t.Helper()
	var out struct {
		Messages []roomMessage `json:"messages"`
	}
	st := c.do("GET", "/api/v1/rooms/"+room+"/messages", nil, &out)
	return st, out.Messages
}

// upload posts a file as multipart and returns the status and file id.
func upload(t *testing.T, c *apiClient, path string, data []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "notiz.txt")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.base)
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m roomMessage
	b, _ := io.ReadAll(res.Body)
	json.Unmarshal(b, &m)
	if m.File == nil {
		return res.StatusCode, ""
	}
	return res.StatusCode, m.File.ID
}

// staffStream replays the staff event stream from seq 0 as the service
// client acting for actAs ("" = the bridge's read-only identity) until an
// event satisfies stop; it returns every event read.
func staffStream(t *testing.T, srv *apptest.Server, actAs string, stop func(map[string]any) bool) []map[string]any {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + srv.ServiceToken}}
	if actAs != "" {
		h.Set("X-Act-As", actAs)
	}
	d := websocket.Dialer{TLSClientConfig: srv.TLSConfig(), HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("wss://"+strings.TrimPrefix(srv.URL, "https://")+"/api/v1/staff/events?since=0", h)
	if err != nil {
		t.Fatalf("staff stream: %v", err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	var out []map[string]any
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("staff stream as %q: %v (read %d events)", actAs, err, len(out))
		}
		var ev map[string]any
		json.Unmarshal(b, &ev)
		out = append(out, ev)
		if stop(ev) {
			return out
		}
	}
}

func knockedEvent(number string) func(map[string]any) bool {
	return func(ev map[string]any) bool {
		tk, _ := ev["ticket"].(map[string]any)
		return ev["type"] == "ticket" && tk["number"] == number
	}
}

// openDB opens the appliance's SQLite file read-only.
func openDB(t *testing.T, srv *apptest.Server) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(srv.Config.Store.DataDir, "buergerbuero.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// grepDB returns "table.column" for every cell of every table (except
// skip) that contains one of the markers.
func grepDB(t *testing.T, db *sql.DB, markers []string, skip ...string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var hits []string
	for _, tb := range tables {
		if contains(skip, tb) {
			continue
		}
		cols, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, tb)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for cols.Next() {
			var n string
			cols.Scan(&n)
			names = append(names, n)
		}
		cols.Close()
		for _, col := range names {
			for _, m := range markers {
				var n int
				q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE instr(CAST(%q AS BLOB), CAST(? AS BLOB)) > 0`, tb, col)
				if err := db.QueryRowContext(ctx, q, m).Scan(&n); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if n > 0 {
					hits = append(hits, fmt.Sprintf("%s.%s has %q", tb, col, m))
				}
			}
		}
	}
	return hits
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
