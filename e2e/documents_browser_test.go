package e2e

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/documents/clamdtest"
)

// downloads makes the browser save downloads into a directory of the
// test and returns a function that waits for the next finished download
// and returns its bytes.
func downloads(t *testing.T, ctx context.Context) func(what string) []byte {
	t.Helper()
	dir := t.TempDir()
	done := make(chan string, 8)
	// the events come on the session that asked for them: the page's
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			done <- e.GUID
		}
	})
	step(t, ctx, "allow downloads", browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true))
	return func(what string) []byte {
		t.Helper()
		select {
		case guid := <-done:
			b, err := os.ReadFile(filepath.Join(dir, guid))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			return b
		case <-time.After(pageWait):
			t.Fatalf("%s: no download within %v", what, pageWait)
			return nil
		}
	}
}

// uploadFile writes data under name and sends it through the room's
// document form.
func uploadFile(t *testing.T, ctx context.Context, name string, data []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "upload "+name, chromedp.SetUploadFiles("#document-file", []string{path}, chromedp.ByID),
		chromedp.Click("#document-form button[type=submit]", chromedp.ByQuery))
}

// listed waits until the room's document list shows name.
func listed(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	step(t, ctx, "see document "+name, chromedp.Poll(`[...document.querySelectorAll('#documents-list .name')].some(e => e.textContent === `+jsString(name)+`)`, nil))
}

// refusedWith waits for the document form's error to say want.
func refusedWith(t *testing.T, ctx context.Context, what, want string) {
	t.Helper()
	var text string
	step(t, ctx, what, chromedp.WaitVisible("#document-error", chromedp.ByID),
		chromedp.Poll(`document.getElementById('document-error').textContent.includes(`+jsString(want)+`)`, nil),
		chromedp.Text("#document-error", &text, chromedp.ByID))
	t.Logf("%s: %q", what, text)
}

// TestDocumentExchangeInBrowsers: in a consultation with the virus
// scanner on, a document the citizen uploads arrives byte-identical at
// the clerk and the other way round; an executable disguised as a PDF
// and an infected file get a clear message and are not stored; the
// uploader deletes a document and its download is gone.
func TestDocumentExchangeInBrowsers(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *configT) { c.Documents.Clamd = clamdtest.Addr(t) }})
	open := newBrowser(t, srv.CertPEM)
	citizen, clerk := open(), open()
	citizenGot, clerkGot := downloads(t, citizen), downloads(t, clerk)
	acceptDialogs(citizen)

	step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID),
		chromedp.SendKeys("#concern", "Unterlagen für den Antrag", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#document-form", chromedp.ByID))
	step(t, citizen, "in the room", chromedp.WaitVisible("#document-form", chromedp.ByID))
	var hint string
	step(t, citizen, "the form says what is allowed", chromedp.Text("#documents-hint", &hint, chromedp.ByID))
	if !strings.Contains(hint, "PDF") || !strings.Contains(hint, "Viren") {
		t.Fatalf("hint %q", hint)
	}

	// citizen → clerk
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	uploadFile(t, citizen, "Meldebescheinigung.pdf", pdf)
	listed(t, clerk, "Meldebescheinigung.pdf")
	step(t, clerk, "download the citizen's PDF", chromedp.Click(`#documents-list button[data-action=download]`, chromedp.ByQuery))
	if got := clerkGot("the clerk's download"); !bytes.Equal(got, pdf) {
		t.Fatalf("the clerk got %d bytes, not the citizen's %d", len(got), len(pdf))
	}

	// clerk → citizen
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 32, 32)))
	form := b.Bytes()
	uploadFile(t, clerk, "Formular.png", form)
	listed(t, citizen, "Formular.png")
	step(t, citizen, "download the clerk's image", chromedp.Click(`#documents-list li:nth-child(2) button[data-action=download]`, chromedp.ByQuery))
	if got := citizenGot("the citizen's download"); !bytes.Equal(got, form) {
		t.Fatalf("the citizen got %d bytes, not the clerk's %d", len(got), len(form))
	}

	// refused: an executable named .pdf, and an infected file
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00EXE-MARKER-4711"), make([]byte, 200)...)
	uploadFile(t, citizen, "Rechnung.pdf", exe)
	refusedWith(t, citizen, "executable refused", "Diese Dateiart wird nicht angenommen")
	uploadFile(t, citizen, "Kontoauszug.txt", clamdtest.EICAR())
	refusedWith(t, citizen, "infected file refused", "Schadsoftware")

	// the room goes on, and nothing of the refused files is stored
	say(t, citizen, "Ich schicke die Rechnung später.")
	see(t, clerk, "Ich schicke die Rechnung später.")
	var count int
	step(t, clerk, "the room's documents", chromedp.Evaluate(`fetch(location.pathname.replace('/room/', '/api/v1/rooms/') + '/files').then(r => r.json()).then(d => d.files.length)`, &count,
		func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }))
	if count != 2 {
		t.Fatalf("the room lists %d documents, want the 2 accepted", count)
	}
	if hits := grepDB(t, openDB(t, srv), []string{"EXE-MARKER-4711", "EICAR-STANDARD", "Rechnung.pdf", "Kontoauszug"}); len(hits) > 0 {
		t.Fatalf("refused files stored: %v", hits)
	}

	// the citizen deletes their document: gone for both
	step(t, citizen, "delete own document", chromedp.Click(`#documents-list li:first-child button[data-action=delete]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('#documents-list li:first-child').classList.contains('deleted')`, nil))
	step(t, clerk, "the clerk sees the deletion",
		chromedp.Poll(`[...document.querySelectorAll('#messages .text')].some(e => e.textContent.includes('„Meldebescheinigung.pdf“ gelöscht'))`, nil),
		chromedp.Poll(`document.querySelector('#documents-list li:first-child').classList.contains('deleted') && !document.querySelector('#documents-list li:first-child button')`, nil))
	var status int
	step(t, clerk, "download after deletion", chromedp.Evaluate(`fetch(location.pathname.replace('/room/', '/api/v1/rooms/') + '/files/' + document.querySelector('#documents-list li:first-child').dataset.file).then(r => r.status)`, &status,
		func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }))
	if status != 410 {
		t.Fatalf("download of a deleted document: %d, want 410", status)
	}
	if hits := grepDB(t, openDB(t, srv), []string{"%PDF-1.4"}); len(hits) > 0 {
		t.Fatalf("the deleted document's bytes are still stored: %v", hits)
	}
}
