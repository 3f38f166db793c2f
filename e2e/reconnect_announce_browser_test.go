package e2e

import (
	"context"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// mediaText returns the catalogue's German text of a js.media.* key: what
// the page's status line says.
func mediaText(t *testing.T, key string) string {
	t.Helper()
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	s := cat.Localizer(language.German).T("js.media."+key, nil)
	if s == "" {
		t.Fatalf("catalogue has no js.media.%s", key)
	}
	return s
}

// notAnnounced fails if a polite live region still holds text.
func notAnnounced(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	nodes, err := axTree(ctx)
	if err != nil {
		t.Fatalf("accessibility tree: %v", err)
	}
	if inPoliteLiveRegion(nodes, text) {
		t.Errorf("a polite live region still announces %q:%s", text, describeAX(nodes, text))
	}
}

// TestCallStateChangesAreAnnounced: during a video consultation the
// appliance goes away (an update, a crash), so the citizen's and the
// clerk's calls lose their connection. A screen reader hears, through the
// call's polite status region, that the connection was lost and is being
// restored — in the catalogue's words — and, once the appliance is back
// and the call has rejoined, that it is connected again, not that it
// ended. Read from Chromium's accessibility tree, which is what assistive
// technology gets, not from the DOM.
func TestCallStateChangesAreAnnounced(t *testing.T) {
	connected, reconnecting, closed := mediaText(t, "connected"), mediaText(t, "reconnecting"), mediaText(t, "closed")
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newSharedBrowser(t, srv.CertPEM)
	citizen, clerk := open(), open()
	consult(t, srv, citizen, clerk)
	people := []struct {
		who string
		ctx context.Context
	}{{"citizen", citizen}, {"clerk", clerk}}
	for _, p := range people {
		announced(t, p.ctx, connected)
	}

	// the appliance stays down until both pages have said so, so the
	// check does not race the rejoin
	srv.Close()
	for _, p := range people {
		announced(t, p.ctx, reconnecting)
		notAnnounced(t, p.ctx, connected)
	}
	start := time.Now()
	srv.Restart()
	for _, p := range people {
		waitRejoin(t, p.ctx, p.who+" rejoins", func(s rejoinState) bool { return s.Rejoins >= 1 })
		announced(t, p.ctx, connected)
		notAnnounced(t, p.ctx, reconnecting)
		notAnnounced(t, p.ctx, closed)
		t.Logf("%s: connected again %v after the appliance came back", p.who, time.Since(start).Round(100*time.Millisecond))
	}
}
