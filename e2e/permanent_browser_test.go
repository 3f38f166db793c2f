package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// muteQuietWindow is how long a muted participant's audio must not grow at the
// host to count as no longer forwarded (Chromium sends 50 packets a second).
const muteQuietWindow = 1500 * time.Millisecond

// recordPeerConnections makes the page keep its RTCPeerConnections in
// window.__pcs, so the test can read what the browser receives.
const recordPeerConnections = `(() => {
  const Orig = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) { const pc = new Orig(...args); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Orig.prototype;
})()`

// audioReceivedJS sums the audio packets the page has received.
const audioReceivedJS = `(async () => {
  let n = 0;
  for (const pc of window.__pcs || []) {
    if (pc.connectionState === 'closed') continue;
    (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived || 0; });
  }
  return n;
})()`

// createPermanentRoom creates a room of the Bauamt as the lead Carla.
func createPermanentRoom(t *testing.T, srv *apptest.Server, title string, keep bool) string {
	t.Helper()
	lead := newClient(t, srv)
	lead.login(srv.Clerks[2].Login, srv.Clerks[2].Password)
	var out struct {
		Room struct{ ID string } `json:"room"`
		URL  string              `json:"url"`
	}
	if st := lead.do("POST", "/api/v1/staff/permanent-rooms", map[string]any{"office_id": "bauamt", "title": title, "keep_documents": keep}, &out); st != 201 {
		t.Fatalf("create permanent room: %d", st)
	}
	if out.URL != srv.URL+"/p/"+out.Room.ID {
		t.Fatalf("stable link %q", out.URL)
	}
	return out.Room.ID
}

// sfuPeers reads how many media connections the SFU holds.
func sfuPeers(t *testing.T, srv *apptest.Server) float64 {
	t.Helper()
	mfs, err := srv.App.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "buergerbuero_sfu_peers" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

// TestPermanentRoomKnockAdmitMuteRemove: a permanent room of the Bauamt is
// free on its public page; a clerk enters (occupied, also in the staff
// list), a colleague enters from the staff list, an external knocks with a
// name and the host admits them; the host mutes them (the SFU no longer
// forwards their audio, they see that they are muted), then removes them:
// their page says so, their API calls are refused and their media
// connection is gone. When the staff leave, the room is free again and its
// chat is gone.
func TestPermanentRoomKnockAdmitMuteRemove(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	room := createPermanentRoom(t, srv, "Bauamt Besprechungsraum 1", false)
	open := newSharedBrowser(t, srv.CertPEM)
	visitor, anna, ben, guest := open(), open(), open(), open()
	lobby := srv.URL + "/p/" + room
	occupied := func(ctx context.Context, want string) {
		t.Helper()
		step(t, ctx, "occupancy "+want, chromedp.Poll(`document.getElementById('occupancy').dataset.occupied === '`+want+`'`, nil))
	}

	step(t, visitor, "public page", chromedp.Navigate(lobby), chromedp.WaitVisible("#knock-form", chromedp.ByID))
	var title string
	step(t, visitor, "title", chromedp.Text("main h1", &title, chromedp.ByQuery))
	if title != "Bauamt Besprechungsraum 1" {
		t.Fatalf("public page title %q", title)
	}
	occupied(visitor, "false")

	// Anna enters directly; the public page flips to occupied at once
	step(t, anna, "record peer connections", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(recordPeerConnections).Do(ctx)
		return err
	}))
	login(t, anna, srv.URL, "anna", srv.Clerks[0].Password)
	step(t, anna, "enter", chromedp.Navigate(srv.URL+"/room/"+room), chromedp.WaitVisible(`#perm-people li[data-identity="anna"]`, chromedp.ByQuery))
	occupied(visitor, "true")

	// Ben sees it occupied in the staff list and enters from there
	login(t, ben, srv.URL, "ben", srv.Clerks[1].Password)
	item := `li.permroom-item[data-room="` + room + `"]`
	step(t, ben, "staff list", chromedp.Navigate(srv.URL+"/staff/rooms"), chromedp.WaitVisible(item+`[data-occupied="true"]`, chromedp.ByQuery))
	step(t, ben, "enter from the list", chromedp.Click(item+` a[data-action=enter]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#perm-people li[data-identity="ben"]`, chromedp.ByQuery))
	step(t, anna, "sees Ben", chromedp.WaitVisible(`#perm-people li[data-identity="ben"]`, chromedp.ByQuery))

	// an external knocks with a name; Anna admits
	step(t, guest, "lobby", chromedp.Navigate(lobby), chromedp.WaitVisible("#knock-name", chromedp.ByID))
	occupied(guest, "true")
	step(t, guest, "knock", chromedp.SendKeys("#knock-name", "Karla Gast", chromedp.ByID),
		chromedp.Click("#knock-form button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#waiting", chromedp.ByID))
	admit := `#perm-lobby li[data-knock] button[data-action=admit]`
	step(t, anna, "sees the knock", chromedp.WaitVisible(admit, chromedp.ByQuery))
	var knocker string
	step(t, anna, "knock's name", chromedp.Text(`#perm-lobby li[data-knock] .name`, &knocker, chromedp.ByQuery))
	if knocker != "Karla Gast" {
		t.Fatalf("lobby shows %q", knocker)
	}
	step(t, anna, "admit", chromedp.Click(admit, chromedp.ByQuery))
	step(t, guest, "in the room", chromedp.WaitVisible("#chat-text", chromedp.ByID),
		chromedp.Poll(`location.pathname === '/room/`+room+`'`, nil))
	var guestID string
	step(t, guest, "own identity", chromedp.Poll(`[...document.querySelectorAll('#perm-people li')].some((li) => li.textContent.includes('Karla Gast'))`, nil),
		chromedp.Evaluate(`[...document.querySelectorAll('#perm-people li')].find((li) => li.textContent.includes('Karla Gast')).dataset.identity`, &guestID))
	say(t, guest, "Guten Tag aus dem Warteraum")
	see(t, anna, "Guten Tag aus dem Warteraum")
	see(t, ben, "Guten Tag aus dem Warteraum")

	// video: Anna and the guest (Ben stays without camera)
	for _, ctx := range []context.Context{anna, guest} {
		step(t, ctx, "consent", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.WaitVisible(`.bb-controls button`, chromedp.ByQuery))
	}
	waitFor(t, pageWait, "two media connections", func() bool { return sfuPeers(t, srv) == 2 })
	audio := func() int {
		var n int
		step(t, anna, "audio received", chromedp.Evaluate(audioReceivedJS, &n, awaitPromise))
		return n
	}
	growing := func(what string) {
		t.Helper()
		n := audio()
		waitFor(t, pageWait, what, func() bool { return audio() > n+20 })
	}
	growing("Anna hears the guest")
	// the guest's fake microphone beeps: their tile is the active speaker
	step(t, anna, "active speaker highlighted", chromedp.WaitVisible(`#media .bb-tile-remote.bb-speaking`, chromedp.ByQuery))
	// three inside: a grid of two equal columns, also at 320 px, no tile
	// floating over another
	for _, w := range []int64{1280, 320} {
		step(t, anna, "grid at "+itoa(int(w)), chromedp.EmulateViewport(w, 800),
			chromedp.Poll(`document.getElementById('media').dataset.count === '3' && getComputedStyle(document.querySelector('#media .bb-grid')).gridTemplateColumns.split(' ').length === 2
				&& getComputedStyle(document.querySelector('#media .bb-tile-local')).position !== 'absolute' && document.scrollingElement.scrollWidth <= innerWidth`, nil))
	}
	step(t, anna, "desktop width", chromedp.EmulateViewport(1280, 900))

	// mute: the guest is told, and the SFU no longer forwards their audio
	person := `#perm-people li[data-identity="` + guestID + `"]`
	step(t, anna, "mute the guest", chromedp.Click(person+` button[data-action=mute]`, chromedp.ByQuery),
		chromedp.WaitVisible(person+`[data-muted="true"]`, chromedp.ByQuery))
	step(t, guest, "told they are muted", chromedp.WaitVisible("#perm-muted", chromedp.ByID))
	waitFor(t, pageWait, "the guest's audio stops at Anna", func() bool {
		n := audio()
		time.Sleep(muteQuietWindow) // silence can only be observed over a window
		return audio() == n
	})
	step(t, anna, "unmute", chromedp.Click(person+` button[data-action=unmute]`, chromedp.ByQuery),
		chromedp.WaitVisible(person+`[data-muted="false"]`, chromedp.ByQuery))
	growing("Anna hears the guest again")

	// remove: their page says so, their access and media are gone
	var token string
	step(t, guest, "session", chromedp.Evaluate(`JSON.parse(sessionStorage.getItem('bb_participant')).token`, &token))
	step(t, anna, "remove the guest", chromedp.Click(person+` button[data-action=remove]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(person, chromedp.ByQuery))
	var removed string
	step(t, guest, "told they were removed", chromedp.WaitVisible(`#state[data-removed="true"]`, chromedp.ByQuery), chromedp.Text("#state", &removed, chromedp.ByID))
	if !strings.Contains(removed, "entfernt") {
		t.Fatalf("removed page says %q", removed)
	}
	var status int
	step(t, guest, "API refused", chromedp.Evaluate(`fetch('/api/v1/rooms/`+room+`/messages', {headers: {Authorization: 'Bearer `+token+`'}}).then((r) => r.status)`, &status, awaitPromise))
	if status != 401 && status != 403 {
		t.Fatalf("the removed guest's API call: %d", status)
	}
	waitFor(t, pageWait, "the guest's media connection is gone", func() bool { return sfuPeers(t, srv) == 1 })

	// the staff leave: free again, and the chat is gone
	say(t, anna, "Vertraulich: nur für diesen Termin")
	see(t, ben, "Vertraulich: nur für diesen Termin")
	for _, ctx := range []context.Context{anna, ben} {
		step(t, ctx, "leave", chromedp.Click(`#actions button[data-action=leave]`, chromedp.ByQuery), chromedp.WaitVisible("#rooms", chromedp.ByID))
	}
	occupied(visitor, "false")
	step(t, ben, "free in the staff list", chromedp.WaitVisible(item+`[data-occupied="false"]`, chromedp.ByQuery))
	waitFor(t, pageWait, "the chat is deleted after the last left", func() bool {
		msgs, err := srv.App.Rec.Rooms.Messages(context.Background(), room, 0)
		return err == nil && len(msgs) == 0
	})
}

// TestPermanentRoomPagesAccessible: the permanent rooms' pages pass
// axe-core (WCAG 2.1 A/AA) in German and Arabic (right to left) at 1280
// and 320 px, and work by keyboard: a lead creates a room in the staff
// list, an external knocks, the host admits and removes them — the public
// page, the waiting lobby, the staff list, the room as host with a knock
// waiting, the room as guest and after removal.
func TestPermanentRoomPagesAccessible(t *testing.T) {
	src := axeScript(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	open := newSharedBrowser(t, srv.CertPEM)
	c := &a11yChecker{t: t, src: src, base: srv.URL, rep: &a11yReport{When: time.Now().UTC()}}
	defer func() {
		c.rep.write(t)
		if len(c.bad) > 0 {
			t.Errorf("accessibility violations:%s", strings.Join(c.bad, ""))
		}
	}()
	lead := srv.Clerks[2]
	for _, lang := range []string{"de", "ar"} {
		host, guest := open(), open()
		for _, ctx := range []context.Context{host, guest} {
			setLangCookie(t, ctx, srv.URL, lang)
		}
		wantDir := map[string]string{"de": "ltr", "ar": "rtl"}[lang]
		dir := func(ctx context.Context, name string) {
			t.Helper()
			var d string
			step(t, ctx, name+" direction", chromedp.Evaluate(`document.documentElement.dir`, &d))
			if d != wantDir {
				t.Errorf("%s [%s]: dir %q, want %q", name, lang, d, wantDir)
			}
		}

		// the lead creates a room by keyboard in the staff list
		login(t, host, srv.URL, lead.Login, lead.Password)
		step(t, host, "staff list", chromedp.Navigate(srv.URL+"/staff/rooms"), chromedp.WaitVisible("#create-form", chromedp.ByID))
		title := "Team Ausländerbehörde " + lang
		step(t, host, "create by keyboard", focus("#create-name"), chromedp.SendKeys("#create-name", title+"\r", chromedp.ByID),
			chromedp.Poll(`[...document.querySelectorAll('li.permroom-item h3')].some((h) => h.textContent === `+jsString(title)+`)`, nil))
		var room string
		step(t, host, "room id", chromedp.Evaluate(`[...document.querySelectorAll('li.permroom-item')].find((li) => li.querySelector('h3').textContent === `+jsString(title)+`).dataset.room`, &room))
		// the staff area speaks the staff languages only (no Arabic)
		c.check(host, lang, "permanent rooms (staff list)", false)

		// the public page, and a knock by keyboard
		step(t, guest, "public page", chromedp.Navigate(srv.URL+"/p/"+room), chromedp.WaitVisible("#knock-name", chromedp.ByID))
		c.check(guest, lang, "permanent room, public page", true)
		dir(guest, "public page")
		step(t, host, "enter", chromedp.Click(`li.permroom-item[data-room="`+room+`"] a[data-action=enter]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#perm-people li[data-identity="`+lead.Login+`"]`, chromedp.ByQuery))
		step(t, guest, "knock by keyboard", focus("#knock-name"), chromedp.SendKeys("#knock-name", "Amira Gast\r", chromedp.ByID),
			chromedp.WaitVisible("#waiting", chromedp.ByID))
		var focused string
		step(t, guest, "focus on withdraw", chromedp.Evaluate(`document.activeElement.id`, &focused))
		if focused != "withdraw" {
			t.Errorf("[%s] after knocking the focus is on %q, want the withdraw button", lang, focused)
		}
		c.check(guest, lang, "permanent room, waiting in the lobby", true)

		// the host admits by keyboard
		admit := `#perm-lobby li[data-knock] button[data-action=admit]`
		step(t, host, "knock shown", chromedp.WaitVisible(admit, chromedp.ByQuery))
		c.check(host, lang, "permanent room as host, a knock waiting", false)
		dir(host, "room")
		step(t, host, "admit by keyboard", focus(admit), chromedp.KeyEvent("\r"))
		step(t, guest, "in the room", chromedp.WaitVisible("#chat-text", chromedp.ByID),
			chromedp.Poll(`[...document.querySelectorAll('#perm-people li')].some((li) => li.textContent.includes('Amira Gast'))`, nil))
		c.check(guest, lang, "permanent room as guest", true)

		// removed
		remove := `#perm-people li button[data-action=remove]`
		step(t, host, "remove", chromedp.WaitVisible(remove, chromedp.ByQuery), focus(remove), chromedp.KeyEvent("\r"))
		step(t, guest, "removed", chromedp.WaitVisible(`#state[data-removed="true"]`, chromedp.ByQuery))
		c.check(guest, lang, "permanent room as guest, removed", true)
		step(t, host, "leave", chromedp.Click(`#actions button[data-action=leave]`, chromedp.ByQuery), chromedp.WaitVisible("#rooms", chromedp.ByID))
	}
}
