package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestCaptionAndSignLanguageInterpreters: a written interpreter types
// live captions, which the citizen sees while they are typed and as a
// finished line; the citizen pins the sign-language interpreter's video
// large beside the others.
func TestCaptionAndSignLanguageInterpreters(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newSharedBrowser(t, srv.CertPEM)
	citizen, writer, signer := open(), open(), open()
	step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"),
		chromedp.SendKeys("#concern", "Schwerbehindertenausweis", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	var ticket string
	step(t, citizen, "ticket", chromedp.Evaluate(`JSON.parse(sessionStorage.getItem('bb_ticket')).id`, &ticket))
	anna := staffAs(t, srv, "anna")
	var a struct {
		RoomID string `json:"room_id"`
	}
	if st := anna.do("POST", "/api/v1/staff/tickets/"+ticket+"/admit", map[string]any{}, &a); st != 200 {
		t.Fatalf("admit: %d", st)
	}
	step(t, citizen, "citizen consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))

	// the written interpreter: captions while typing, then the line
	joinByLink(t, writer, inviteAs(t, anna, a.RoomID, "written_interpreter", "de", ""))
	step(t, writer, "writer consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, writer, "type a caption", chromedp.WaitVisible("#caption-text", chromedp.ByID), chromedp.SendKeys("#caption-text", "Guten Tag, Frau Yılmaz", chromedp.ByID))
	step(t, citizen, "the line being typed", chromedp.WaitVisible("#captions", chromedp.ByID),
		chromedp.Poll(`document.getElementById('caption-current').textContent.startsWith('Guten Tag')`, nil))
	step(t, writer, "finish the line", chromedp.SendKeys("#caption-text", ", willkommen."+kb.Enter, chromedp.ByID))
	var live string
	step(t, citizen, "the finished line",
		chromedp.Poll(`[...document.querySelectorAll('#caption-lines li')].some((li) => li.textContent === 'Guten Tag, Frau Yılmaz, willkommen.')`, nil),
		chromedp.AttributeValue("#caption-lines", "aria-live", &live, nil, chromedp.ByID))
	if live != "polite" {
		t.Errorf("caption lines are announced %q, want polite", live)
	}
	var typed string
	step(t, writer, "the field is free for the next line", chromedp.Value("#caption-text", &typed, chromedp.ByID))
	if typed != "" {
		t.Errorf("caption field after Enter: %q", typed)
	}
	// nobody else writes captions
	if st := anna.do("POST", "/api/v1/rooms/"+a.RoomID+"/captions", map[string]any{"id": 99, "text": "Amt"}, nil); st != 403 {
		t.Errorf("the clerk writes captions: %d, want 403", st)
	}

	// the sign-language interpreter: pinned large at the citizen
	joinByLink(t, signer, inviteAs(t, anna, a.RoomID, "sign_interpreter", "dgs", ""))
	step(t, signer, "signer consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	var stream string
	step(t, signer, "own camera", chromedp.Poll(`(document.querySelector('video[data-tile=local]') || {}).srcObject ? document.querySelector('video[data-tile=local]').srcObject.id : null`, &stream))
	decoded(t, citizen, "citizen sees the signer", 1)
	tileSel := `figure[data-stream=` + jsString(stream) + `]`
	step(t, citizen, "pin the signer", chromedp.WaitVisible(tileSel+` button[data-action=pin]`, chromedp.ByQuery), chromedp.Click(tileSel+` button[data-action=pin]`, chromedp.ByQuery))
	var large bool
	var pressed string
	step(t, citizen, "the signer is large", chromedp.Evaluate(`(() => {
  const f = document.querySelector(`+jsString(tileSel)+`);
  const others = [...document.querySelectorAll('.bb-grid > figure.bb-tile-remote')].filter((o) => o !== f);
  const w = f.getBoundingClientRect().width;
  return f.classList.contains('bb-pinned') && others.length > 0 && others.every((o) => w > 1.5 * o.getBoundingClientRect().width);
})()`, &large), chromedp.AttributeValue(tileSel+` button[data-action=pin]`, "aria-pressed", &pressed, nil, chromedp.ByQuery))
	if !large || pressed != "true" {
		t.Errorf("pinned tile large %v, button pressed %q", large, pressed)
	}
	// by keyboard this time (and immune to tiles moving while frames arrive)
	step(t, citizen, "unpin", focus(tileSel+` button[data-action=pin]`), chromedp.KeyEvent(kb.Enter),
		chromedp.Poll(`!document.querySelector(`+jsString(tileSel)+`).classList.contains('bb-pinned') && !document.querySelector('.bb-grid').classList.contains('bb-has-pinned')`, nil))
}
