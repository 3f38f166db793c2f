package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// fakeNotificationsJS stands in for the browser's notifications, granted,
// with the console tab in the background, and records what it is asked
// to show.
const fakeNotificationsJS = `window.__bbNotes = [];
window.Notification = class { constructor(title) { window.__bbNotes.push(title); } static get permission() { return 'granted'; } static requestPermission() { return Promise.resolve('granted'); } };
Object.defineProperty(document, 'hidden', {get: () => true});`

// TestKnockAlertIsNotSoundOnly: a knock alerts the clerk with a visible,
// announced banner naming the number and with a browser notification, not
// with a tone alone; with reduced motion asked for, nothing on the console
// moves.
func TestKnockAlertIsNotSoundOnly(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	clerk := newSharedBrowser(t, srv.CertPEM)()
	step(t, clerk, "fake notifications", chromedp.ActionFunc(func(ctx contextT) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(fakeNotificationsJS).Do(ctx)
		return err
	}), emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}))
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	newClient(t, srv).knock("buergerbuero", "Bitte melden")
	var banner string
	var notes []string
	step(t, clerk, "visible alert", chromedp.WaitVisible("#knock-alert", chromedp.ByID), chromedp.Text("#knock-alert", &banner, chromedp.ByID),
		chromedp.Poll(`window.__bbNotes.length > 0`, nil), chromedp.Evaluate(`window.__bbNotes`, &notes))
	if !strings.Contains(banner, "B-001") || len(notes) != 1 || !strings.Contains(notes[0], "B-001") {
		t.Fatalf("knock alert: banner %q, notifications %q", banner, notes)
	}
	var role string
	step(t, clerk, "banner is announced", chromedp.AttributeValue("#knock-alert", "role", &role, nil, chromedp.ByID))
	if role != "status" {
		t.Errorf("knock banner role %q, want status (announced politely)", role)
	}
	var moving []string
	step(t, clerk, "reduced motion", chromedp.Evaluate(`[...document.querySelectorAll('*')].filter((e) => {
		const cs = getComputedStyle(e);
		return cs.transitionDuration.split(',').some((d) => parseFloat(d) > 0.01) || cs.animationDuration.split(',').some((d) => parseFloat(d) > 0.01 && cs.animationName !== 'none');
	}).map((e) => e.tagName + '#' + e.id)`, &moving))
	if len(moving) > 0 {
		t.Errorf("with prefers-reduced-motion: reduce, these still move: %v", moving)
	}
}

// TestWaitingRoomAnnouncesOnlyChanges: the waiting room's live regions
// change when the place changes, not when an update repeats what the
// citizen already heard (another knock behind them).
func TestWaitingRoomAnnouncesOnlyChanges(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	citizen := newSharedBrowser(t, srv.CertPEM)()
	first := newClient(t, srv).knock("buergerbuero", "Ich war zuerst da")
	step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID),
		chromedp.SendKeys("#concern", "Ich bin Zweite", chromedp.ByID), chromedp.Click("#knock button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#number", chromedp.ByID))
	step(t, citizen, "place 2, then watch the live regions", chromedp.Poll(`document.getElementById('place').textContent === '2'`, nil),
		chromedp.Evaluate(`window.__bbLive = [];
			new MutationObserver((records) => { for (const r of records) {
				const n = r.target.nodeType === 1 ? r.target : r.target.parentElement;
				const region = n && n.closest('[aria-live], [role=status], [role=alert]');
				if (region) window.__bbLive.push((region.id || region.tagName) + ': ' + region.textContent.trim());
			} }).observe(document.body, {subtree: true, childList: true, characterData: true}); true`, nil))
	// an update that changes nothing for this citizen
	newClient(t, srv).knock("buergerbuero", "Ich komme danach")
	clerk := newClient(t, srv)
	clerk.login("anna", srv.Clerks[0].Password)
	if st := clerk.do("POST", "/api/v1/staff/tickets/"+first.ID+"/admit", map[string]any{}, nil); st != 200 {
		t.Fatalf("admit: %d", st)
	}
	var heard []string
	step(t, citizen, "place 1", chromedp.Poll(`document.getElementById('place').textContent === '1'`, nil), chromedp.Evaluate(`window.__bbLive`, &heard))
	if len(heard) != 1 || !strings.HasPrefix(heard[0], "announce: Platz 1.") {
		t.Fatalf("live regions changed %d times: %q (want one announcement of place 1)", len(heard), heard)
	}
}
