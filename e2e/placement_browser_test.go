package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
)

// TestVideoRejoinsOnSurvivorAfterNodeDies: two nodes on one PostgreSQL;
// the citizen's and the clerk's pages are served by node P, which already
// carries a participant, so their consultation's media is placed on node
// Q. Q is killed with SIGKILL: both pages rejoin by themselves, on P,
// and see each other's video again; nobody clicks anything.
func TestVideoRejoinsOnSurvivorAfterNodeDies(t *testing.T) {
	dsn := pgtest.DSN(t)
	nodes := startCluster(t, dsn, 2)
	p, q := nodes[0], nodes[1]
	open := newBrowserTrusting(t, p.CertPEM(), q.CertPEM())
	citizen, clerk := open(), open()

	// P carries a participant (a dial to its SFU with a key any node
	// issued), and its heartbeat says so
	ben := nodeClient(t, p)
	ben.login("ben", "ben-passwort-1234")
	k := nodeClient(t, p).knock("bauamt", "Platzhalter")
	var admitted struct {
		RoomID string `json:"room_id"`
	}
	if st := ben.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &admitted); st != 200 {
		t.Fatalf("admit the placeholder: %d", st)
	}
	var g mediaGrant
	if st := ben.do("GET", "/api/v1/rooms/"+admitted.RoomID+"/media", nil, &g); st != 200 {
		t.Fatalf("placeholder grant: %d", st)
	}
	d := websocket.Dialer{TLSClientConfig: p.TLSConfig(), HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("wss://"+strings.TrimPrefix(p.URL, "https://")+"/sfu", http.Header{"Authorization": {"Bearer " + g.Token}})
	if err != nil {
		t.Fatalf("hold a participant on P: %v", err)
	}
	defer ws.Close()
	db, err := postgres.Open(context.Background(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waitFor(t, pageWait, "P's heartbeat reporting its participant", func() bool {
		ns, err := db.MediaNodes(context.Background())
		for _, n := range ns {
			if n.URL == p.URL && n.Participants >= 1 {
				return err == nil
			}
		}
		return false
	})

	// the consultation, both pages on P
	step(t, citizen, "open the office page", chromedp.Navigate(p.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID))
	step(t, citizen, "knock", chromedp.SendKeys("#concern", "Videoberatung bitte", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	login(t, clerk, p.URL, "anna", "anna-passwort-123")
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, clerk, "clerk consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizen, "citizen consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery),
		chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	decoded(t, citizen, "citizen sees the clerk", 1)
	decoded(t, clerk, "clerk sees the citizen", 1)
	// the less loaded Q carries it (both pages' signalling connections)
	waitFor(t, pageWait, "Q carrying the consultation", func() bool {
		for _, n := range mustNodes(t, db) {
			if n.URL == q.URL && n.Participants >= 2 {
				return true
			}
		}
		return false
	})

	start := time.Now()
	q.Kill()
	for _, pg := range []struct {
		who string
		ctx context.Context
	}{{"citizen", citizen}, {"clerk", clerk}} {
		waitRejoin(t, pg.ctx, pg.who+" rejoins by itself", func(s rejoinState) bool { return s.Rejoins >= 1 && !s.Ended })
		decodesBeyond(t, pg.ctx, pg.who+" sees video on the survivor", 0)
		st := waitRejoin(t, pg.ctx, pg.who+" shows one remote video, connected", func(s rejoinState) bool { return s.Remote == 1 && s.Status == "Verbunden." })
		t.Logf("%s: video again %v after SIGKILL of the media node, %+v", pg.who, time.Since(start).Round(100*time.Millisecond), st)
	}
}

func mustNodes(t *testing.T, db *store.DB) []store.MediaNode {
	ns, err := db.MediaNodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// newBrowserTrusting is newBrowser trusting the keys of several nodes.
func newBrowserTrusting(t *testing.T, certs ...[]byte) func() context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	var hashes []string
	for _, c := range certs {
		hashes = append(hashes, spkiHash(t, c))
	}
	opts := chromedp.DefaultExecAllocatorOptions[:0:0]
	for _, f := range chromiumFlags(t, certs[0]) {
		switch {
		case f[0] == "ignore-certificate-errors-spki-list":
			opts = append(opts, chromedp.Flag(f[0], strings.Join(hashes, ",")))
		case f[1] == "":
			opts = append(opts, chromedp.Flag(f[0], true))
		default:
			opts = append(opts, chromedp.Flag(f[0], f[1]))
		}
	}
	path := chromiumPath(t)
	return func() context.Context {
		o := append(opts[:len(opts):len(opts)], chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), o...)
		return attach(t, alloc, cancelAlloc)
	}
}
