package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// TestEventPagesAccessible runs axe-core (WCAG 2.0/2.1 A and AA) on every
// event page, in German and Arabic (right to left), at 1280 and 320 px
// without sideways scrolling: the list, the event's page, the viewer page
// before and after joining (video, a raised hand, a sent question, an
// approved one), the external speaker's page, and the staff list with its
// form and the event's console with questions, hands and stage. The hand
// button says its state (aria-pressed) and works by keyboard.
func TestEventPagesAccessible(t *testing.T) {
	src := axeScript(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	var created struct {
		Event struct{ ID string } `json:"event"`
	}
	now := time.Now()
	if st := anna.do("POST", "/api/v1/staff/events", map[string]any{"office_id": "bauamt", "title": "Pressekonferenz zum Kreishaushalt",
		"starts_at": now.Add(-time.Minute), "ends_at": now.Add(2 * time.Hour), "speakers": []string{"anna"}, "allow_video": true}, &created); st != 201 {
		t.Fatalf("create event: %d", st)
	}
	id := created.Event.ID
	// one approved question, one waiting, one raised hand, one on stage
	var v struct {
		ViewerID string `json:"viewer_id"`
		Token    string `json:"token"`
	}
	for _, text := range []string{"Wie hoch ist die Kreisumlage?", "Gibt es mehr Geld für Schulen?"} {
		c := newClient(t, srv)
		c.do("POST", "/api/v1/events/"+id+"/viewers", nil, &v)
		c.token = v.Token
		var q struct {
			Question struct{ ID int64 } `json:"question"`
		}
		if st := c.do("POST", "/api/v1/events/"+id+"/questions", map[string]string{"text": text}, &q); st != 201 {
			t.Fatalf("ask: %d", st)
		}
		if strings.HasPrefix(text, "Wie") {
			anna.do("POST", "/api/v1/staff/events/"+id+"/questions/"+itoa(int(q.Question.ID))+"/approve", nil, nil)
		}
		c.do("PUT", "/api/v1/events/"+id+"/hand", map[string]bool{"raised": true}, nil)
	}
	if st := anna.do("POST", "/api/v1/staff/events/"+id+"/stage", map[string]any{"viewer": v.ViewerID, "on_stage": true}, nil); st != 200 {
		t.Fatalf("stage: %d", st)
	}
	var invite struct{ URL string }
	anna.do("POST", "/api/v1/staff/events/"+id+"/speaker-invites", nil, &invite)

	open := newSharedBrowser(t, srv.CertPEM)
	c := &a11yChecker{t: t, src: src, base: srv.URL, rep: &a11yReport{When: time.Now().UTC()}}
	defer func() {
		c.rep.write(t)
		if len(c.bad) > 0 {
			t.Errorf("accessibility violations:%s", strings.Join(c.bad, ""))
		}
	}()
	for _, lang := range []string{"de", "ar"} {
		viewer, clerk := open(), open()
		for _, ctx := range []context.Context{viewer, clerk} {
			setLangCookie(t, ctx, srv.URL, lang)
		}
		visit := func(ctx context.Context, path, ready string) {
			t.Helper()
			step(t, ctx, "open "+path, chromedp.Navigate(srv.URL+path+"?lang="+lang), chromedp.WaitVisible(ready, chromedp.ByQuery))
		}
		visit(viewer, "/events", "li.event-card")
		c.check(viewer, lang, "event list", true)
		visit(viewer, "/events/"+id, "#watch")
		c.check(viewer, lang, "event page", true)
		visit(viewer, "/events/"+id+"/watch", "#join")
		c.check(viewer, lang, "viewer page before joining", true)
		var pressed string
		step(t, viewer, "join, raise the hand by keyboard",
			focus("#join"), chromedp.KeyEvent("\r"), chromedp.WaitVisible("#hand", chromedp.ByID),
			focus("#hand"), chromedp.KeyEvent("\r"),
			chromedp.Poll(`document.getElementById('hand').getAttribute('aria-pressed') === 'true' && document.getElementById('hand-state').textContent !== ''`, nil),
			chromedp.AttributeValue("#hand", "aria-pressed", &pressed, nil, chromedp.ByID),
			chromedp.SendKeys("#ask-text", "Eine Frage aus dem Publikum", chromedp.ByID), chromedp.Click("#ask button[type=submit]", chromedp.ByQuery),
			chromedp.Poll(`document.getElementById('ask-ok').textContent !== '' && document.querySelectorAll('#questions li').length === 1`, nil))
		if pressed != "true" {
			t.Fatalf("hand button aria-pressed %q", pressed)
		}
		c.check(viewer, lang, "viewer page with video, hand and question", true)
		// the query goes before the fragment that holds the token
		page, tok, _ := strings.Cut(invite.URL, "#")
		step(t, viewer, "speaker link", chromedp.Navigate(page+"?lang="+lang+"#"+tok), chromedp.WaitVisible("#join", chromedp.ByID))
		c.check(viewer, lang, "external speaker page", true)

		login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
		visit(clerk, "/staff/events", "#event-list li a")
		c.check(clerk, lang, "staff event list and form", true)
		visit(clerk, "/staff/events/"+id, "#pending li button[data-action=approve]")
		step(t, clerk, "console lists", chromedp.WaitVisible("#hands li button", chromedp.ByQuery), chromedp.WaitVisible("#stage li button", chromedp.ByQuery))
		c.check(clerk, lang, "event console", true)
	}
}

// TestEventPagesPseudoLocale renders the event pages in the pseudo-locale:
// every text outside its brackets would be hard-coded, not from the
// catalogue. The event's title and the office names are data.
func TestEventPagesPseudoLocale(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, PseudoLocale: true})
	staff := newClient(t, srv)
	staff.login("anna", srv.Clerks[0].Password)
	const title = "Bürgersprechstunde Bauamt"
	var created struct {
		Event struct{ ID string } `json:"event"`
	}
	now := time.Now()
	if st := staff.do("POST", "/api/v1/staff/events", map[string]any{"office_id": "bauamt", "title": title,
		"starts_at": now.Add(time.Hour), "ends_at": now.Add(2 * time.Hour)}, &created); st != 201 {
		t.Fatalf("create event: %d", st)
	}
	id := created.Event.ID
	data := []string{srv.Config.Site.Name, title}
	for _, o := range srv.Config.Offices {
		data = append(data, o.Name)
	}
	for _, tag := range i18n.Citizen {
		data = append(data, i18n.SelfName(tag))
	}
	pages := map[string]*http.Client{"/events": srv.Client(), "/events/" + id: srv.Client(), "/events/" + id + "/watch": srv.Client(),
		"/speak": srv.Client(), "/staff/events": staff.http, "/staff/events/" + id: staff.http}
	for p, hc := range pages {
		res, body := fetchPage(t, hc, srv.URL+p+"?lang=de", nil)
		if res.StatusCode != 200 || (hc == staff.http && !strings.Contains(body, `id="console"`) && !strings.Contains(body, `id="create"`)) {
			t.Fatalf("%s: %d %.300s", p, res.StatusCode, body)
		}
		for _, s := range hardCoded(body, data) {
			t.Errorf("%s shows text that is not from the catalogue: %q", p, s)
		}
	}
}
