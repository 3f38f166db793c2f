package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// inkJS counts the pixels of the board's canvas (or its overlay) that are
// not white: 0 is a blank board.
func inkJS(sel string) string {
	return `(() => { const c = document.querySelector(` + jsString(sel) + `); if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
  return n; })()`
}

const boardCanvas, boardOverlay = "#whiteboard .wb-canvas", "#whiteboard .wb-overlay"

// boardAt converts points on the board (0..1) into page coordinates of
// the board's surface, scrolled into view.
func boardAt(ctx context.Context, pts [][2]float64) ([][2]float64, error) {
	var r []float64
	if err := chromedp.Evaluate(`(() => { const e = document.querySelector(`+jsString(boardOverlay)+`); e.scrollIntoView({block: 'center'});
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`, &r).Do(ctx); err != nil {
		return nil, err
	}
	out := make([][2]float64, len(pts))
	for i, p := range pts {
		out[i] = [2]float64{r[0] + p[0]*r[2], r[1] + p[1]*r[3]}
	}
	return out, nil
}

// touchStroke draws with one finger through the given board points, as
// on a phone (real touch input: the page sees pointer events of type
// touch).
func touchStroke(pts ...[2]float64) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		at, err := boardAt(ctx, pts)
		if err != nil {
			return err
		}
		if err := input.DispatchTouchEvent(input.TouchStart, []*input.TouchPoint{{X: at[0][0], Y: at[0][1]}}).Do(ctx); err != nil {
			return err
		}
		for _, p := range at[1:] {
			if err := input.DispatchTouchEvent(input.TouchMove, []*input.TouchPoint{{X: p[0], Y: p[1]}}).Do(ctx); err != nil {
				return err
			}
		}
		return input.DispatchTouchEvent(input.TouchEnd, []*input.TouchPoint{}).Do(ctx)
	})
}

// mouseDrag presses the left button at from, moves to to and releases.
func mouseDrag(from, to [2]float64) chromedp.Action { return drag(from, to, "", 0) }

// penDrag draws from from to to with a pen pressed with force (0..1).
func penDrag(from, to [2]float64, force float64) chromedp.Action {
	return drag(from, to, input.Pen, force)
}

func drag(from, to [2]float64, pointer input.DispatchMouseEventPointerType, force float64) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		at, err := boardAt(ctx, [][2]float64{from, to})
		if err != nil {
			return err
		}
		for _, ev := range []*input.DispatchMouseEventParams{
			input.DispatchMouseEvent(input.MouseMoved, at[0][0], at[0][1]),
			input.DispatchMouseEvent(input.MousePressed, at[0][0], at[0][1]).WithButton(input.Left).WithButtons(1).WithClickCount(1),
			input.DispatchMouseEvent(input.MouseMoved, (at[0][0]+at[1][0])/2, (at[0][1]+at[1][1])/2).WithButton(input.Left).WithButtons(1),
			input.DispatchMouseEvent(input.MouseMoved, at[1][0], at[1][1]).WithButton(input.Left).WithButtons(1),
			input.DispatchMouseEvent(input.MouseReleased, at[1][0], at[1][1]).WithButton(input.Left).WithButtons(0).WithClickCount(1),
		} {
			if pointer != "" {
				ev = ev.WithPointerType(pointer).WithForce(force)
			}
			if err := ev.Do(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// openBoard opens the room's whiteboard panel and waits for its canvas.
func openBoard(t *testing.T, ctx context.Context) {
	t.Helper()
	step(t, ctx, "open the whiteboard", chromedp.WaitEnabled("#wb-toggle", chromedp.ByID), chromedp.Click("#wb-toggle", chromedp.ByID),
		chromedp.WaitVisible(boardCanvas, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('#wb-toggle').getAttribute('aria-expanded') === 'true' && document.querySelector(`+jsString(boardCanvas)+`).width > 100`, nil))
}

// boardAPI calls the room's whiteboard API from the page with the page's
// own credentials (the citizen's ticket token, or the clerk's session and
// CSRF token) and returns the status and the body.
func boardAPI(t *testing.T, ctx context.Context, method string, body string) (int, string) {
	t.Helper()
	var res []any
	js := `(async () => {
  const room = location.pathname.split('/').pop();
  const headers = {'Accept': 'application/json'};
  const tk = JSON.parse(sessionStorage.getItem('bb_ticket') || 'null');
  if (tk) { headers['Authorization'] = 'Bearer ' + tk.token; headers['X-Ticket'] = tk.id; }
  else { const me = await (await fetch('/api/v1/staff/me')).json(); headers['X-CSRF-Token'] = me.csrf_token; }
  const opt = {method: ` + jsString(method) + `, headers, credentials: 'same-origin'};
  if (` + jsString(body) + `) { headers['Content-Type'] = 'application/json'; opt.body = ` + jsString(body) + `; }
  const r = await fetch('/api/v1/rooms/' + encodeURIComponent(room) + '/whiteboard', opt);
  return [r.status, await r.text()];
})()`
	step(t, ctx, method+" whiteboard", chromedp.Evaluate(js, &res, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }))
	return int(res[0].(float64)), res[1].(string)
}

// boardItems polls until the page's board shows n drawings (the canvas
// has its text alternative, which counts them in words).
func boardItems(t *testing.T, ctx context.Context, who string, n int) {
	t.Helper()
	step(t, ctx, fmt.Sprintf("%s sees %d drawings", who, n), chromedp.Poll(`(() => {
  const c = document.querySelector(`+jsString(boardCanvas)+`);
  return !!c && c.dataset.items === '`+itoa(n)+`' && (c.getAttribute('aria-label') || '') !== '';
})()`, nil, chromedp.WithPollingInterval(pollEvery)))
}

const pollEvery = 50 * time.Millisecond

// TestWhiteboardSharedInRoom: a citizen on a 320 px phone draws with a
// finger, the clerk sees the stroke on their canvas and in the server's
// snapshot, draws a rectangle with the mouse, points with the laser; an
// interpreter joining later and the citizen after a reload see the board
// as it is; the PNG export is a real picture; the citizen can neither
// clear the board nor undo the clerk's drawing, only their own; the
// clerk's clear empties every board; a text the clerk places is read by
// the others in the board's description; a pen's pressure is kept.
func TestWhiteboardSharedInRoom(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	open := newBrowser(t, srv.CertPEM)
	citizen, clerk, late := open(), open(), open()
	step(t, citizen, "a 320 px phone with touch",
		emulation.SetDeviceMetricsOverride(320, 700, 2, true),
		emulation.SetTouchEmulationEnabled(true).WithMaxTouchPoints(5))

	step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID),
		chromedp.SendKeys("#concern", "Ich möchte einen Lageplan besprechen.", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	login(t, clerk, srv.URL, srv.Clerks[0].Login, srv.Clerks[0].Password)
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#chat-text", chromedp.ByID))
	step(t, citizen, "in the room", chromedp.WaitVisible("#chat-text", chromedp.ByID))

	openBoard(t, citizen)
	openBoard(t, clerk)
	var blank int
	step(t, clerk, "the new board is blank", chromedp.Evaluate(inkJS(boardCanvas), &blank))
	if blank != 0 {
		t.Fatalf("a new board has %d coloured pixels", blank)
	}
	var sideways bool
	step(t, citizen, "no sideways scrolling at 320 px with the board open",
		chromedp.Evaluate(`document.documentElement.scrollWidth > 320`, &sideways))
	if sideways {
		t.Error("the room with the whiteboard open scrolls sideways at 320 px")
	}

	// the citizen draws with a finger; the clerk's board shows it
	step(t, citizen, "draw with a finger", touchStroke([2]float64{0.2, 0.3}, [2]float64{0.3, 0.4}, [2]float64{0.4, 0.35}, [2]float64{0.5, 0.5}, [2]float64{0.6, 0.45}))
	boardItems(t, citizen, "citizen", 1)
	boardItems(t, clerk, "clerk", 1)
	step(t, clerk, "the stroke is on the clerk's canvas", chromedp.Poll(inkJS(boardCanvas)+` > 50`, nil, chromedp.WithPollingInterval(pollEvery)))
	status, body := boardAPI(t, clerk, "GET", "")
	if status != 200 || strings.Count(body, `"kind":"stroke"`) != 1 {
		t.Fatalf("server snapshot for the clerk: %d %s", status, body)
	}

	// the clerk draws a rectangle with the mouse, and points with the laser
	step(t, clerk, "pick the rectangle", chromedp.Click(`#whiteboard button[data-tool=rect]`, chromedp.ByQuery))
	step(t, clerk, "draw a rectangle", mouseDrag([2]float64{0.55, 0.6}, [2]float64{0.9, 0.9}))
	boardItems(t, citizen, "citizen", 2)
	step(t, clerk, "pick the laser", chromedp.Click(`#whiteboard button[data-tool=laser]`, chromedp.ByQuery))
	step(t, clerk, "point with the laser", mouseDrag([2]float64{0.1, 0.9}, [2]float64{0.15, 0.85}))
	step(t, citizen, "the laser shows on the citizen's board", chromedp.Poll(inkJS(boardOverlay)+` > 0`, nil, chromedp.WithPollingInterval(pollEvery)))
	status, body = boardAPI(t, clerk, "GET", "")
	if strings.Count(body, `"kind":`) != 2 {
		t.Fatalf("the laser pointer was stored: %s", body)
	}

	// a late joiner sees the board as it is
	var link string
	step(t, clerk, "invite an interpreter", chromedp.Click(`#actions button[data-action=invite]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#invite-form`, chromedp.ByID), chromedp.Click(`#invite-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#actions .invite code`, chromedp.ByQuery), chromedp.Text(`#actions .invite code`, &link, chromedp.ByQuery))
	step(t, late, "join by link", chromedp.Navigate(link), chromedp.WaitVisible("#join", chromedp.ByID), chromedp.Click("#join", chromedp.ByID),
		chromedp.WaitVisible("#chat-text", chromedp.ByID))
	openBoard(t, late)
	boardItems(t, late, "interpreter", 2)
	var label string
	step(t, late, "the canvas's text alternative", chromedp.AttributeValue(boardCanvas, "aria-label", &label, nil, chromedp.ByQuery))
	if label != "Tafel, 2 Zeichnungen" {
		t.Errorf("the board's text alternative says %q", label)
	}
	step(t, late, "both drawings on the late joiner's canvas", chromedp.Poll(inkJS(boardCanvas)+` > 100`, nil, chromedp.WithPollingInterval(pollEvery)))
	// and so does the citizen after a reload (a reconnect)
	step(t, citizen, "reload", chromedp.Reload(), chromedp.WaitVisible("#chat-text", chromedp.ByID))
	openBoard(t, citizen)
	boardItems(t, citizen, "citizen after reload", 2)

	// the PNG export is a picture of the board, saved as a file
	dir := t.TempDir()
	done := make(chan string, 1)
	chromedp.ListenTarget(clerk, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	})
	var name string
	step(t, clerk, "export", browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.Click(`#whiteboard button[data-action=export]`, chromedp.ByQuery),
		chromedp.Poll(`(document.querySelector('#whiteboard a.wb-download') || {}).download || ''`, &name))
	var guid string
	select {
	case guid = <-done:
	case <-time.After(pageWait):
		t.Fatal("the export was not downloaded")
	}
	raw, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("export %s is no PNG: %v", name, err)
	}
	if !strings.HasSuffix(name, ".png") {
		t.Errorf("export named %q", name)
	}
	bounds, colours := img.Bounds(), map[[4]uint32]bool{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, b, a}] = true
		}
	}
	if bounds.Dx() < 100 || len(colours) < 2 {
		t.Fatalf("export %dx%d with %d colours: not a picture of the board", bounds.Dx(), bounds.Dy(), len(colours))
	}

	// the citizen may not clear, nor undo the clerk's drawing
	var clearShown bool
	step(t, citizen, "no clear button for the citizen", chromedp.Evaluate(`!!document.querySelector('#whiteboard button[data-action=clear]:not([hidden])')`, &clearShown))
	if clearShown {
		t.Error("the citizen is offered to clear the board")
	}
	status, body = boardAPI(t, citizen, "POST", `{"op":"clear","id":"citizen-clear"}`)
	if status != 403 || !strings.Contains(body, `"whiteboard_clear_forbidden"`) {
		t.Fatalf("citizen's clear: %d %s", status, body)
	}
	_, snap := boardAPI(t, clerk, "GET", "")
	rect := between(snap, `"id":"`, `","kind":"rect"`)
	status, body = boardAPI(t, citizen, "POST", `{"op":"undo","id":"citizen-undo","target":"`+rect+`"}`)
	if status != 403 || !strings.Contains(body, `"whiteboard_not_yours"`) {
		t.Fatalf("citizen undoing the clerk's rectangle %q: %d %s", rect, status, body)
	}
	boardItems(t, clerk, "clerk after the refusals", 2)
	// their own stroke they can take back
	step(t, citizen, "undo", chromedp.Click(`#whiteboard button[data-action=undo]`, chromedp.ByQuery))
	boardItems(t, clerk, "clerk after the citizen's undo", 1)

	// the clerk clears the board for everybody
	step(t, clerk, "clear", chromedp.Evaluate(`window.confirm = () => true`, nil), chromedp.Click(`#whiteboard button[data-action=clear]`, chromedp.ByQuery))
	boardItems(t, citizen, "citizen after clear", 0)
	boardItems(t, late, "interpreter after clear", 0)
	step(t, late, "the late joiner's canvas is blank again", chromedp.Poll(inkJS(boardCanvas)+` === 0`, nil, chromedp.WithPollingInterval(pollEvery)))

	// text: the clerk places a label with the keyboard; the others read it
	// in the board's description
	step(t, clerk, "pick text", chromedp.Click(`#whiteboard button[data-tool=text]`, chromedp.ByQuery))
	step(t, clerk, "place the text", mouseDrag([2]float64{0.3, 0.2}, [2]float64{0.3, 0.2}),
		chromedp.WaitVisible(`#whiteboard .wb-textform input`, chromedp.ByQuery),
		chromedp.Poll(`document.activeElement === document.querySelector('#whiteboard .wb-textform input')`, nil),
		chromedp.SendKeys(`#whiteboard .wb-textform input`, "Flurstück 12\r", chromedp.ByQuery))
	boardItems(t, citizen, "citizen after the text", 1)
	step(t, citizen, "the text is in the board's description", chromedp.Poll(`(() => {
  const c = document.querySelector(`+jsString(boardCanvas)+`);
  const d = document.getElementById(c.getAttribute('aria-describedby'));
  return !!d && d.textContent === 'Flurstück 12';
})()`, nil, chromedp.WithPollingInterval(pollEvery)))

	// a pen's pressure is kept with the stroke
	step(t, late, "draw with a pen", penDrag([2]float64{0.1, 0.6}, [2]float64{0.5, 0.7}, 0.7))
	boardItems(t, clerk, "clerk after the pen stroke", 2)
	_, body = boardAPI(t, clerk, "GET", "")
	if !strings.Contains(body, `,0.7]`) {
		t.Errorf("the pen's pressure is not in the stroke: %s", body)
	}
}

// between returns the text of s between the last before that precedes
// after, and after.
func between(s, before, after string) string {
	head, _, ok := strings.Cut(s, after)
	if !ok {
		return ""
	}
	i := strings.LastIndex(head, before)
	if i < 0 {
		return ""
	}
	return head[i+len(before):]
}
