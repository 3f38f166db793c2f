package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestRoleRoomPassesAxeAsGuardianWithCaptions: the room page as a guardian
// sees it, with the concern (a guardian may see it) and live captions
// shown, and as the clerk sees it with the invite form open (the roles by
// their names), has no axe-core violations in German and in Arabic (right
// to left), and the captions keep their own direction per line.
func TestRoleRoomPassesAxeAsGuardianWithCaptions(t *testing.T) {
	src := axeScript(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	anna := staffAs(t, srv, "anna")
	_, _, room := admitted(t, srv, anna, "buergerbuero", map[string]string{"concern": "Wohngeld für meine Mutter", "language": "de"})
	writer := redeemAPI(t, srv, inviteAs(t, anna, room, "written_interpreter", "de", ""))
	for _, c := range []map[string]any{
		{"id": 1, "text": "Guten Tag, wir beginnen mit dem Antrag.", "final": true},
		{"id": 2, "text": "مرحبا، هل تسمعونني؟", "final": true},
		{"id": 3, "text": "Bitte halten Sie den Bescheid", "final": false},
	} {
		if st := writer.do("POST", "/api/v1/rooms/"+room+"/captions", c, nil); st != 200 {
			t.Fatalf("caption: %d", st)
		}
	}
	link := inviteAs(t, anna, room, "guardian", "", "Petra Vogt")
	open := newSharedBrowser(t, srv.CertPEM)
	g := open()
	setLangCookie(t, g, srv.URL, "de")
	joinByLink(t, g, link)
	for _, lang := range []string{"de", "ar"} {
		if lang != "de" {
			setLangCookie(t, g, srv.URL, lang)
			step(t, g, "reload in "+lang, chromedp.Reload())
		}
		var dir, current string
		step(t, g, "captions and concern shown ("+lang+")",
			chromedp.WaitVisible("#captions", chromedp.ByID), chromedp.WaitVisible(`#caption-lines li[data-caption="2"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#concern-box", chromedp.ByID),
			chromedp.AttributeValue("html", "dir", &dir, nil, chromedp.ByQuery),
			chromedp.Text("#caption-current", &current, chromedp.ByID))
		if (lang == "ar") != (dir == "rtl") {
			t.Errorf("%s: page direction %q", lang, dir)
		}
		if !strings.Contains(current, "Bitte halten Sie") {
			t.Errorf("%s: the line being typed is not shown: %q", lang, current)
		}
		if v := runAxe(t, g, src); len(v) > 0 {
			for _, x := range v {
				t.Errorf("%s: axe %s (%s): %s %v", lang, x.ID, x.Impact, x.Help, x.Nodes)
			}
		}
	}

	clerk := open()
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	for _, lang := range []string{"de", "ar"} {
		setLangCookie(t, clerk, srv.URL, lang)
		var options int
		step(t, clerk, "invite form ("+lang+")", chromedp.Navigate(srv.URL+"/room/"+room),
			chromedp.WaitVisible(`#actions button[data-action=invite]`, chromedp.ByQuery), chromedp.Click(`#actions button[data-action=invite]`, chromedp.ByQuery),
			chromedp.WaitVisible("#invite-form", chromedp.ByID), chromedp.Evaluate(`document.querySelectorAll('#invite-role option').length`, &options))
		if options != 7 {
			t.Errorf("%s: the invite form offers %d roles, want 7", lang, options)
		}
		if v := runAxe(t, clerk, src); len(v) > 0 {
			for _, x := range v {
				t.Errorf("clerk %s: axe %s (%s): %s %v", lang, x.ID, x.Impact, x.Help, x.Nodes)
			}
		}
	}
}
