package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// axeScript returns the source of axe-core's axe.min.js, pinned in
// e2e/axe/package-lock.json: the file $BUERGERBUERO_AXE names (scripts/test
// installs it and exports the path), or installed once by scripts/tools/axe.
// Without it the accessibility tests fail; only -short skips them.
func axeScript(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("axe-core accessibility tests run without -short")
	}
	path := os.Getenv("BUERGERBUERO_AXE")
	if path == "" {
		script, err := filepath.Abs(filepath.Join("..", "scripts", "tools", "axe"))
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd := exec.Command(script)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("axe-core is missing and %s could not install it from the npm registry: %v\n%s\nrun the README's test command (scripts/test)", script, err, stderr.String())
		}
		path = strings.TrimSpace(string(out))
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core (BUERGERBUERO_AXE=%s): %v; run the README's test command (scripts/test), which installs it", path, err)
	}
	return string(src)
}

// axeViolation is one WCAG rule axe-core finds broken on a page.
type axeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	URL    string    `json:"helpUrl"`
	Nodes  []axeNode `json:"nodes"`
}

// axeNode is one element that breaks the rule.
type axeNode struct {
	Target []string `json:"target"`
	HTML   string   `json:"html"`
}

// axeRunJS runs the WCAG 2.0/2.1 A and AA rules on the whole document and
// returns the violations with their elements as JSON.
const axeRunJS = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
  .then((r) => JSON.stringify(r.violations.map((v) => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.map((x) => Array.isArray(x) ? x.join(' >> ') : String(x)), html: n.html}))}))))`

// runAxe injects axe-core into the page ctx shows (Runtime.evaluate of its
// source: DevTools evaluation is not subject to the page's
// Content-Security-Policy, which forbids inline and foreign scripts) and
// returns the violations it finds.
func runAxe(t testing.TB, ctx context.Context, src string) []axeViolation {
	t.Helper()
	var loaded bool
	step(t, ctx, "axe-core loaded?", chromedp.Evaluate(`typeof window.axe === 'object'`, &loaded))
	if !loaded {
		step(t, ctx, "inject axe-core", chromedp.Evaluate(src, nil))
	}
	var out string
	step(t, ctx, "run axe-core", chromedp.Evaluate(axeRunJS, &out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var v []axeViolation
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("axe-core result: %v: %s", err, out)
	}
	return v
}

// a11yResult is one page checked at one width in one language.
type a11yResult struct {
	Page       string         `json:"page"`
	URL        string         `json:"url"`
	Lang       string         `json:"lang"`
	HTMLLang   string         `json:"html_lang"`
	Dir        string         `json:"dir"`
	Width      int            `json:"width"`
	Violations []axeViolation `json:"violations"`
	// ScrollWidth is the page's width at this viewport: more than Width
	// means sideways scrolling (WCAG 1.4.10 reflow).
	ScrollWidth int `json:"scroll_width"`
}

// a11yReport collects the results of a test run and writes them as JSON
// to $BUERGERBUERO_A11Y_REPORT, or to a new file in the temporary folder
// that outlives the test, and logs where.
type a11yReport struct {
	mu      sync.Mutex
	Axe     string       `json:"axe_core"`
	When    time.Time    `json:"when"`
	Results []a11yResult `json:"results"`
}

func (r *a11yReport) add(res a11yResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Results = append(r.Results, res)
}

func (r *a11yReport) write(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("BUERGERBUERO_A11Y_REPORT")
	if path == "" {
		f, err := os.CreateTemp("", "buergerbuero-a11y-*.json")
		if err != nil {
			t.Fatal(err)
		}
		path = f.Name()
		f.Close()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, res := range r.Results {
		n += len(res.Violations)
	}
	t.Logf("axe-core %s: %d page views, %d violations; report: %s", r.Axe, len(r.Results), n, path)
}

// axeVersion reads the version axe-core reports in the page.
func axeVersion(t testing.TB, ctx context.Context) string {
	var v string
	step(t, ctx, "axe-core version", chromedp.Evaluate(`window.axe ? axe.version : ''`, &v))
	return v
}

// describe formats a page's violations for the test failure.
func (res a11yResult) describe() string {
	var b strings.Builder
	for _, v := range res.Violations {
		fmt.Fprintf(&b, "\n  %s @%dpx [%s] %s (%s): %s", res.Page, res.Width, res.Lang, v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n      %s  %s", strings.Join(n.Target, " "), n.HTML)
		}
	}
	return b.String()
}

// newSharedBrowser starts one headless Chromium (the flags of newBrowser)
// and returns a function that opens an isolated browser context in it: its
// own cookies and storage, like a separate person, without a separate
// browser process.
func newSharedBrowser(t testing.TB, certPEM []byte) func() context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	opts := chromedp.DefaultExecAllocatorOptions[:0:0]
	for _, f := range chromiumFlags(t, certPEM) {
		if f[1] == "" {
			opts = append(opts, chromedp.Flag(f[0], true))
		} else {
			opts = append(opts, chromedp.Flag(f[0], f[1]))
		}
	}
	opts = append(opts, chromedp.ExecPath(chromiumPath(t)), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser := attach(t, alloc, cancelAlloc)
	return func() context.Context {
		t.Helper()
		// a new window in a new browser context: Chromium refuses a tab in
		// a context that has no window yet ("no browser is open")
		var tid target.ID
		err := chromedp.Run(browser, chromedp.ActionFunc(func(ctx context.Context) error {
			// browser-wide commands go to the browser, not to a tab
			ctx = cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
			bc, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(ctx)
			if err != nil {
				return err
			}
			tid, err = target.CreateTarget("about:blank").WithBrowserContextID(bc).WithNewWindow(true).Do(ctx)
			return err
		}))
		if err != nil {
			t.Fatalf("open browser context: %v", err)
		}
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithTargetID(tid))
		chromedp.ListenTarget(ctx, func(ev any) {
			if e, ok := ev.(*runtime.EventExceptionThrown); ok {
				t.Logf("browser exception: %s", e.ExceptionDetails.Error())
			}
		})
		if err := chromedp.Run(ctx); err != nil {
			cancel()
			t.Fatalf("attach to browser context: %v", err)
		}
		t.Cleanup(cancel)
		return ctx
	}
}

// setLangCookie makes lang the page language of every page the browser
// context opens on base, also after navigations by the pages themselves
// (waiting room to room), as the language switcher does.
func setLangCookie(t testing.TB, ctx context.Context, base, lang string) {
	t.Helper()
	step(t, ctx, "language cookie "+lang, network.SetCookie("bb_lang", lang).WithURL(base).WithPath("/").WithSecure(true))
}
