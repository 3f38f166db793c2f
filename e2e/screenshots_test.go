//go:build screenshots

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestScreenshots writes the citizen pages (office list, knock form,
// waiting room, consultation room) in German, Arabic and Leichte Sprache
// at 360 and 1280 CSS px to the directory named by BB_SCREENSHOTS
// (`make screenshots` writes docs/screenshots). It is a generator, not a
// check, so it is built only with the tag "screenshots".
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("BB_SCREENSHOTS")
	if dir == "" {
		t.Fatal("BB_SCREENSHOTS names no directory (make screenshots)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newBrowser(t, srv.CertPEM)
	clerk := newClient(t, srv)
	clerk.login("ben", "ben-passwort-1234") // a member of the Ausländerbehörde
	// viewport screenshots: capturing beyond the viewport (chromedp's
	// FullScreenshot) misplaces right-to-left pages
	shoot := func(ctx context.Context, name string) {
		t.Helper()
		var png []byte
		step(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot(&png))
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	concern := map[string]string{"de": "Ich brauche einen neuen Personalausweis.", "ar": "أحتاج إلى تمديد تصريح الإقامة.", "de-x-ls": "Ich brauche einen neuen Ausweis."}
	// a phone's page scrolled out to its length; a desktop window
	height := map[int64]int64{360: 1200, 1280: 900}
	for _, lang := range []string{"de", "ar", "de-x-ls"} {
		for _, width := range []int64{360, 1280} {
			name := func(p string) string { return p + "-" + lang + "-" + itoa(int(width)) }
			b := open()
			step(t, b, "viewport", emulation.SetDeviceMetricsOverride(width, height[width], 1, false))
			step(t, b, "office list", chromedp.Navigate(srv.URL+"/?lang="+lang), chromedp.WaitVisible("#offices", chromedp.ByID))
			shoot(b, name("offices"))
			step(t, b, "knock form", chromedp.Navigate(srv.URL+"/offices/auslaenderbehoerde"), chromedp.WaitVisible("#concern", chromedp.ByID))
			shoot(b, name("knock"))
			var path string
			step(t, b, "knock",
				chromedp.SendKeys("#concern", concern[lang], chromedp.ByID),
				chromedp.Click("#knock button[type=submit]", chromedp.ByQuery),
				chromedp.WaitVisible("#number", chromedp.ByID),
				chromedp.Poll(`document.getElementById('estimate').textContent !== ''`, nil),
				chromedp.Evaluate(`location.pathname`, &path))
			shoot(b, name("wait"))
			id := strings.TrimPrefix(path, "/wait/")
			if st := clerk.do("POST", "/api/v1/staff/tickets/"+id+"/admit", map[string]string{}, nil); st != 200 {
				t.Fatalf("admit %s: %d", id, st)
			}
			step(t, b, "room", chromedp.WaitVisible("#chat-text", chromedp.ByID),
				chromedp.WaitVisible(`[data-action=consent]`, chromedp.ByQuery))
			shoot(b, name("room"))
			if st := clerk.do("POST", "/api/v1/staff/tickets/"+id+"/end", map[string]string{}, nil); st != 200 && st != 204 {
				t.Fatalf("end %s: %d", id, st)
			}
		}
	}
}
