package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// maxTabs bounds how many Tab presses may lie between two controls.
const maxTabs = 40

// focusJS describes the focused element: whether it matches the wanted
// selector, whether its focus is visible (an outline or a box shadow from
// :focus-visible) and whether it follows the previously focused element in
// the document (a logical order: no positive tabindex, no jumps back).
const focusJS = `((sel) => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return {none: true};
  const cs = getComputedStyle(e);
  const visible = e.matches(':focus-visible') && ((cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || (cs.boxShadow && cs.boxShadow !== 'none'));
  const prev = window.__bbFocusPrev;
  // Tab after the last control wraps around to the first: not a jump
  const first = document.querySelector('a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])');
  const follows = !prev || !prev.isConnected || prev === e || e === first || !!(prev.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
  window.__bbFocusPrev = e;
  const name = (e.getAttribute('aria-label') || e.textContent || e.getAttribute('name') || '').trim().slice(0, 40);
  return {match: e.matches(sel), visible, follows, desc: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + name + '"'};
})`

// tabTo presses Tab until the element sel is focused; every element on the
// way must show its focus and come after the previous one in the page.
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	var path []string
	for i := 0; i <= maxTabs; i++ {
		var f struct {
			None, Match, Visible, Follows bool
			Desc                          string
		}
		// the page may have put the focus there already (a dialog, a new section)
		if i > 0 {
			step(t, ctx, "Tab towards "+sel, chromedp.KeyEvent(kb.Tab))
		}
		step(t, ctx, "focus", chromedp.Evaluate(focusJS+"("+jsString(sel)+")", &f))
		if f.None {
			continue
		}
		path = append(path, f.Desc)
		if !f.Visible {
			t.Errorf("focus on %s is not visible (no :focus-visible outline or shadow)", f.Desc)
		}
		if !f.Follows {
			t.Errorf("focus order jumps back to %s (path: %s)", f.Desc, strings.Join(path, " → "))
		}
		if f.Match {
			return
		}
	}
	t.Fatalf("%s not reached with %d Tab presses: %s", sel, maxTabs, strings.Join(path, " → "))
}

// pageScriptsRan waits until the page's module scripts have run (they run
// before the document is complete), so a key press reaches their handlers.
var pageScriptsRan = chromedp.Poll(`document.readyState === 'complete'`, nil)

// press sends real key events (Input.dispatchKeyEvent) to the focused element.
func press(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	step(t, ctx, "type", chromedp.KeyEvent(keys))
}

// announced waits until the accessibility tree holds text inside a polite
// live region (aria-live="polite", or role status, whose default it is),
// which is what a screen reader announces.
func announced(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	deadline := time.Now().Add(pageWait)
	for {
		nodes, err := axTree(ctx)
		if err == nil && inPoliteLiveRegion(nodes, text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no polite live region announces %q (%v, %d nodes); nodes with the text: %s", text, err, len(nodes), describeAX(nodes, strings.Fields(text)[0]))
		}
		// polling: the accessibility tree has no event for "text changed"
		time.Sleep(100 * time.Millisecond)
	}
}

// axNode is the part of a CDP Accessibility.AXNode these tests read; own
// types, because cdproto's enums lag behind Debian's Chromium and refuse
// values they do not know.
type axNode struct {
	NodeID   string   `json:"nodeId"`
	ParentID string   `json:"parentId"`
	Ignored  bool     `json:"ignored"`
	Role     *axValue `json:"role"`
	Name     *axValue `json:"name"`
	Props    []struct {
		Name  string   `json:"name"`
		Value *axValue `json:"value"`
	} `json:"properties"`
}

type axValue struct {
	Value json.RawMessage `json:"value"`
}

func (v *axValue) String() string {
	if v == nil {
		return ""
	}
	var s string
	if json.Unmarshal(v.Value, &s) == nil {
		return s
	}
	return string(v.Value)
}

// axTree reads the page's full accessibility tree.
func axTree(ctx context.Context) ([]axNode, error) {
	var res struct {
		Nodes []axNode `json:"nodes"`
	}
	err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		return cdp.Execute(ctx, "Accessibility.getFullAXTree", nil, &res)
	}))
	return res.Nodes, err
}

func inPoliteLiveRegion(nodes []axNode, text string) bool {
	byID := map[string]*axNode{}
	for i := range nodes {
		byID[nodes[i].NodeID] = &nodes[i]
	}
	live := func(n *axNode) bool {
		for _, p := range n.Props {
			if p.Name == "live" {
				return p.Value.String() == "polite"
			}
		}
		return false
	}
	for i := range nodes {
		n := &nodes[i]
		if n.Ignored || !strings.Contains(n.Name.String(), text) {
			continue
		}
		for p := n; p != nil; p = byID[p.ParentID] {
			if live(p) {
				return true
			}
		}
	}
	return false
}

// TestKeyboardOnlyJourney: a citizen knocks, waits, is called, enters the
// room and hangs up, and a clerk signs in, admits and ends a consultation,
// each with Tab, Enter and Space only. Every focused control shows its
// focus, the focus moves in reading order, and a screen reader hears the
// place in the queue, the call, the connection and the end in polite live
// regions (read from Chromium's accessibility tree).
func TestKeyboardOnlyJourney(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newSharedBrowser(t, srv.CertPEM)
	citizen, clerk := open(), open()
	acceptDialogs(citizen)
	for _, ctx := range []context.Context{citizen, clerk} {
		// both windows behave as focused, as each person's own screen is
		step(t, ctx, "focus emulation", emulation.SetFocusEmulationEnabled(true))
	}

	// knock
	step(t, citizen, "knock form", chromedp.Navigate(srv.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID), pageScriptsRan)
	tabTo(t, citizen, "#concern")
	press(t, citizen, "Nur mit der Tastatur")
	tabTo(t, citizen, "#knock button[type=submit]")
	press(t, citizen, kb.Enter)
	step(t, citizen, "waiting room", chromedp.WaitVisible("#number", chromedp.ByID))
	announced(t, citizen, "Platz 1")

	// the clerk signs in and admits
	step(t, clerk, "login page", chromedp.Navigate(srv.URL+"/staff/login"), chromedp.WaitVisible("#login", chromedp.ByID), pageScriptsRan)
	tabTo(t, clerk, "#login")
	press(t, clerk, srv.Clerks[0].Login)
	tabTo(t, clerk, "#password")
	press(t, clerk, srv.Clerks[0].Password)
	press(t, clerk, kb.Enter)
	admit := `li.ticket[data-number="B-001"] button[data-action=admit]`
	step(t, clerk, "console", chromedp.WaitVisible(admit, chromedp.ByQuery))
	tabTo(t, clerk, admit)
	press(t, clerk, kb.Enter)
	step(t, clerk, "clerk in the room", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))

	// called: announced before the room opens
	announced(t, citizen, "Sie werden aufgerufen")
	step(t, citizen, "citizen in the room", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	tabTo(t, citizen, `button[data-action="consent"]`)
	press(t, citizen, " ") // Space
	tabTo(t, clerk, `button[data-action="consent"]`)
	press(t, clerk, kb.Enter)
	announced(t, citizen, "Verbunden")
	announced(t, clerk, "Verbunden")

	// the citizen hangs up
	tabTo(t, citizen, `#actions button[data-action=hangup]`)
	press(t, citizen, kb.Enter)
	announced(t, citizen, "Ihr Besuch ist beendet")

	// the clerk admits the next citizen and ends the consultation
	step(t, clerk, "back to the console", chromedp.Navigate(srv.URL+"/staff"), chromedp.WaitVisible("#offices section", chromedp.ByQuery))
	newClient(t, srv).knock("buergerbuero", "Zweites Anliegen")
	admit = `li.ticket[data-number="B-002"] button[data-action=admit]`
	step(t, clerk, "second knock", chromedp.WaitVisible(admit, chromedp.ByQuery))
	tabTo(t, clerk, admit)
	press(t, clerk, kb.Enter)
	step(t, clerk, "room", chromedp.WaitVisible(`#actions button[data-action=end]`, chromedp.ByQuery))
	tabTo(t, clerk, `#actions button[data-action=end]`)
	press(t, clerk, kb.Enter)
	step(t, clerk, "ended, back in the console", chromedp.WaitVisible("#offices section", chromedp.ByQuery),
		chromedp.Poll(`location.pathname === '/staff'`, nil))
}

// describeAX lists the nodes that hold text, with their ancestors' roles
// and properties, for a failure message.
func describeAX(nodes []axNode, text string) string {
	byID := map[string]*axNode{}
	for i := range nodes {
		byID[nodes[i].NodeID] = &nodes[i]
	}
	var b strings.Builder
	for i := range nodes {
		if !strings.Contains(nodes[i].Name.String(), text) {
			continue
		}
		b.WriteString("\n  ")
		for p := &nodes[i]; p != nil; p = byID[p.ParentID] {
			b.WriteString(p.Role.String())
			for _, pr := range p.Props {
				b.WriteString("[" + pr.Name + "=" + pr.Value.String() + "]")
			}
			b.WriteString(" < ")
		}
	}
	return b.String()
}
