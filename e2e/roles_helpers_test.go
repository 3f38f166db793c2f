package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// guardianChatOnly configures the Bürgerbüro so that a guardian may use
// the microphone and the chat, nothing else: no camera, no screen, no
// files either way, no concern.
func guardianChatOnly(c *config.Config) {
	for i := range c.Offices {
		if c.Offices[i].ID == "buergerbuero" {
			c.Offices[i].Roles = config.Roles{"guardian": {"microphone", "chat"}}
		}
	}
}

// inviteAs makes an invite link for role into room as clerk (API).
func inviteAs(t *testing.T, clerk *apiClient, room, role, lang, name string) string {
	t.Helper()
	var inv struct {
		URL string `json:"url"`
	}
	if st := clerk.do("POST", "/api/v1/staff/rooms/"+room+"/invites", map[string]string{"role": role, "language": lang, "name": name}, &inv); st != 201 {
		t.Fatalf("invite %s: %d", role, st)
	}
	return inv.URL
}

// tokenOf is the invite token of a link (after '#').
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	_, tok, ok := strings.Cut(link, "#")
	if !ok || tok == "" {
		t.Fatalf("invite link %q carries no token in its fragment", link)
	}
	return tok
}

// redeemAPI redeems an invite like the join page does and returns an API
// client with the participant's session.
func redeemAPI(t *testing.T, srv *apptest.Server, link string) *apiClient {
	t.Helper()
	c := newClient(t, srv)
	c.token = tokenOf(t, link)
	var sess struct {
		Token string `json:"token"`
	}
	if st := c.do("POST", "/api/v1/invites/redeem", nil, &sess); st != 200 {
		t.Fatalf("redeem: %d", st)
	}
	c.token = sess.Token
	return c
}

// joinByLink opens an invite link in a browser and enters the room.
func joinByLink(t *testing.T, ctx context.Context, link string) {
	t.Helper()
	step(t, ctx, "open the invite link", chromedp.Navigate(link), chromedp.WaitVisible("#join", chromedp.ByID))
	step(t, ctx, "join", chromedp.Click("#join", chromedp.ByID), chromedp.WaitReady("#room[data-role]", chromedp.ByQuery))
}

// evalInt evaluates a promise-returning script that yields a number.
func evalInt(t *testing.T, ctx context.Context, what, js string) int {
	t.Helper()
	var n int
	step(t, ctx, what, chromedp.Evaluate(js, &n, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }))
	return n
}

// participantFetchJS fetches path in the page as the external participant
// (its session from sessionStorage) and returns the status.
func participantFetchJS(method, path, body string) string {
	return `(async () => {
  const p = JSON.parse(sessionStorage.getItem('bb_participant'));
  const init = {method: ` + jsString(method) + `, headers: {Authorization: 'Bearer ' + p.token}};
  if (` + jsString(body) + `) { const fd = new FormData(); fd.append('file', new Blob([` + jsString(body) + `], {type: 'application/pdf'}), 'vollmacht.pdf'); init.body = fd; }
  return (await fetch(` + jsString(path) + `.replace('{room}', encodeURIComponent(p.room)), init)).status;
})()`
}
