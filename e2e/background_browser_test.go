package e2e

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// sharpnessJS grabs the frame a page shows in the first video matching
// the selector and returns the variance of its luminance's Laplacian (at
// 320 px wide): high for the fake camera's sharp-edged pattern, low for a
// blurred one. -1 while no frame is there.
const sharpnessJS = `((sel) => {
  const v = document.querySelector(sel);
  if (!v || v.videoWidth === 0) return -1;
  const w = 320, h = Math.round(320 * v.videoHeight / v.videoWidth);
  const c = document.createElement('canvas'); c.width = w; c.height = h;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(v, 0, 0, w, h);
  const d = ctx.getImageData(0, 0, w, h).data;
  const y = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) y[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
  let n = 0, sum = 0, sq = 0;
  for (let r = 1; r < h - 1; r++) for (let q = 1; q < w - 1; q++) {
    const i = r * w + q;
    const l = 4 * y[i] - y[i - 1] - y[i + 1] - y[i - w] - y[i + w];
    n++; sum += l; sq += l * l;
  }
  return sq / n - (sum / n) * (sum / n);
})`

// meanColourJS returns the mean [r, g, b] of the frame a page shows in
// the first video matching the selector, or [] while there is none.
const meanColourJS = `((sel) => {
  const v = document.querySelector(sel);
  if (!v || v.videoWidth === 0) return [];
  const c = document.createElement('canvas'); c.width = 64; c.height = 36;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(v, 0, 0, 64, 36);
  const d = ctx.getImageData(0, 0, 64, 36).data;
  const m = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) m[k] += d[i + k];
  return m.map((x) => x / (d.length / 4));
})`

// pictureLike: a mean colour near the built-in background picture's
// (static/staff-background.jpg, a light grey-blue around 205, 206, 207).
func pictureLike(rgb []float64) bool {
	for _, c := range rgb {
		if c < 170 || c > 235 {
			return false
		}
	}
	return true
}

// cspViolationsJS records the page's CSP violations before its scripts run.
const cspViolationsJS = `window.bbCSP = []; document.addEventListener('securitypolicyviolation', (e) => window.bbCSP.push(e.violatedDirective + ' ' + e.blockedURI));`

// segmentationFlags give the browser a software WebGL (SwiftShader):
// the test machine has no GPU and the segmentation model draws with
// WebGL 2. Only the clerk's browser in this test gets them.
var segmentationFlags = [][2]string{{"enable-unsafe-swiftshader", ""}, {"use-angle", "swiftshader"}}

// openWith starts a browser like newBrowser's, with extra switches.
func openWith(t *testing.T, certPEM []byte, extra [][2]string) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	opts := chromedp.DefaultExecAllocatorOptions[:0:0]
	for _, f := range append(chromiumFlags(t, certPEM), extra...) {
		if f[1] == "" {
			opts = append(opts, chromedp.Flag(f[0], true))
		} else {
			opts = append(opts, chromedp.Flag(f[0], f[1]))
		}
	}
	opts = append(opts, chromedp.ExecPath(chromiumPath(t)), chromedp.UserDataDir(t.TempDir()))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	return attach(t, alloc, cancel)
}

// requestLog collects the URLs a browser requests (CDP network events).
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

func (l *requestLog) listen(t *testing.T, ctx context.Context) {
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			l.mu.Lock()
			l.urls = append(l.urls, e.Request.URL)
			l.mu.Unlock()
		}
	})
	step(t, ctx, "watch the network", network.Enable(), chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(cspViolationsJS).Do(ctx)
		return err
	}))
}

func (l *requestLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.urls...)
}

// sharpness samples the Laplacian variance of a page's video until cond
// holds for it, and returns it; the test fails after mediaWait.
func sharpness(t *testing.T, ctx context.Context, what, selector string, cond func(float64) bool) float64 {
	t.Helper()
	deadline := time.Now().Add(mediaWait)
	var last float64
	for {
		if err := chromedp.Run(ctx, chromedp.Evaluate(sharpnessJS+"("+quoteJS(selector)+")", &last)); err == nil && last >= 0 && cond(last) {
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the received video's sharpness is %.1f", what, last)
		}
		// sampling frames; a page has no event for "this frame is blurred"
		time.Sleep(300 * time.Millisecond)
	}
}

func quoteJS(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func awaitPromise(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }

// TestStaffBackgroundBlur: a clerk turns background blur on in the
// consultation; the video the citizen receives is the processed one
// (clearly less sharp than the fake camera's edges), the segmentation
// model and its runtime come from our origin (no request to another
// origin, no CSP violation), the citizen's browser loads none of it, and
// turning blur off sends the camera again. The choice is remembered.
func TestStaffBackgroundBlur(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	citizen := newBrowser(t, srv.CertPEM)()
	clerk := openWith(t, srv.CertPEM, segmentationFlags)
	var clerkReqs, citizenReqs requestLog
	clerkReqs.listen(t, clerk)
	citizenReqs.listen(t, citizen)

	step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"),
		chromedp.SendKeys("#concern", "Videoberatung bitte", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, clerk, "clerk consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizen, "citizen consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	decoded(t, citizen, "citizen sees clerk", 1)
	decoded(t, clerk, "clerk sees citizen", 1)

	var citizenHasControl bool
	step(t, citizen, "the citizen has no background control", chromedp.WaitVisible(`button[data-action="mute"]`, chromedp.ByQuery),
		chromedp.Evaluate(`!!document.querySelector('[data-control="background"]')`, &citizenHasControl))
	if citizenHasControl {
		t.Error("the citizen is offered the staff background control")
	}

	remote := `video[data-tile="remote"]`
	sharp := sharpness(t, citizen, "camera before blur", remote, func(v float64) bool { return v > 0 })
	t.Logf("sharpness of the clerk's camera at the citizen: %.1f", sharp)
	var camRGB []float64
	step(t, citizen, "the camera's colour", chromedp.Evaluate(meanColourJS+"("+quoteJS(remote)+")", &camRGB))
	if len(camRGB) != 3 || pictureLike(camRGB) {
		t.Fatalf("the camera's mean colour %v is already like the background picture's: the test cannot tell them apart", camRGB)
	}

	step(t, clerk, "turn blur on", chromedp.WaitVisible(`[data-control="background"]`, chromedp.ByQuery),
		chromedp.SetValue(`[data-control="background"]`, "blur", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('[data-control="background"]').dispatchEvent(new Event('change'))`, nil))
	waitState := func(want string) {
		t.Helper()
		var state string
		sctx, cancel := context.WithTimeout(clerk, mediaWait)
		defer cancel()
		if err := chromedp.Run(sctx, chromedp.Poll(`(() => { const e = document.querySelector('[data-background]'); const s = e && e.dataset.state; return s === '`+want+`' || s === 'unavailable'; })()`, nil, chromedp.WithPollingInterval(200*time.Millisecond)),
			chromedp.Evaluate(`document.querySelector('[data-background]').dataset.state`, &state)); err != nil || state != want {
			var msg string
			chromedp.Run(clerk, chromedp.Text(`[data-background] [role=status]`, &msg, chromedp.ByQuery))
			t.Fatalf("background %q wanted, state %q (%q, %v)", want, state, msg, err)
		}
	}
	waitState("blur")
	// the camera's sharpness grows while the bitrate ramps up: the blurred
	// picture must be clearly below the first and the restored one
	blurred := sharpness(t, citizen, "blurred camera", remote, func(v float64) bool { return v < sharp/3 })
	t.Logf("sharpness with blur: %.1f", blurred)

	var sendsCamera bool
	// the sent track is a camera's (labelled like one) or the effect's canvas
	const sendsCameraJS = `(async () => {
  const s = window.bbMedia.publisher.getSenders().find((s) => s.track && s.track.kind === 'video');
  const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => d.label);
  return !!s && cams.includes(s.track.label);
})()`
	step(t, clerk, "the effect's track is sent", chromedp.Evaluate(sendsCameraJS, &sendsCamera, awaitPromise))
	if sendsCamera {
		t.Error("with blur on, the clerk still sends the camera track")
	}

	step(t, clerk, "turn blur off",
		chromedp.SetValue(`[data-control="background"]`, "off", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('[data-control="background"]').dispatchEvent(new Event('change'))`, nil))
	waitState("off")
	restored := sharpness(t, citizen, "camera after blur", remote, func(v float64) bool { return v > 3*blurred })
	t.Logf("sharpness after blur off: %.1f", restored)
	step(t, clerk, "the camera is sent again", chromedp.Evaluate(sendsCameraJS, &sendsCamera, awaitPromise))
	if !sendsCamera {
		t.Error("with blur off, the clerk does not send the camera track")
	}

	// the background picture: what the citizen sees is mostly the built-in
	// neutral picture (a light grey-blue), smooth
	choose := func(mode string) {
		t.Helper()
		step(t, clerk, "choose "+mode,
			chromedp.SetValue(`[data-control="background"]`, mode, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector('[data-control="background"]').dispatchEvent(new Event('change'))`, nil))
		waitState(mode)
	}
	choose("image")
	var rgb []float64
	deadline := time.Now().Add(mediaWait)
	for {
		if err := chromedp.Run(citizen, chromedp.Evaluate(meanColourJS+"("+quoteJS(remote)+")", &rgb)); err == nil && len(rgb) == 3 && pictureLike(rgb) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the citizen does not see the background picture: mean colour %v", rgb)
		}
		// sampling frames, as sharpness does
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("mean colour with the picture: %.0f", rgb)

	axe := axeScript(t)
	checkAxe := func(lang string) {
		t.Helper()
		for _, v := range runAxe(t, clerk, axe) {
			t.Errorf("clerk's room page with the background control (%s): %s (%s): %v", lang, v.ID, v.Help, v.Nodes)
		}
	}
	checkAxe("de")

	// the choice is remembered: after a reload (here into Arabic) the
	// picture is on from the start, and the camera is never sent
	var loc string
	step(t, clerk, "room address", chromedp.Location(&loc))
	step(t, clerk, "reload in Arabic", chromedp.Navigate(loc+"?lang=ar"), chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery),
		chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	waitState("image")
	var label string
	step(t, clerk, "the control's label", chromedp.Text(`label[for="bb-background"]`, &label, chromedp.ByQuery))
	if label != "الخلفية" {
		t.Errorf("the background control's label in Arabic is %q", label)
	}
	checkAxe("ar")
	var chosen string
	step(t, clerk, "the choice after a reload", chromedp.Value(`[data-control="background"]`, &chosen, chromedp.ByQuery),
		chromedp.Poll(`!!(window.bbMedia && window.bbMedia.publisher.getSenders().some((s) => s.track && s.track.kind === 'video'))`, nil),
		chromedp.Evaluate(sendsCameraJS, &sendsCamera, awaitPromise))
	if chosen != "image" || sendsCamera {
		t.Errorf("after a reload: background %q, camera sent %v; want the picture, not the camera", chosen, sendsCamera)
	}

	// everything from our origin; the model only to the clerk
	origin, _ := url.Parse(srv.URL)
	var model, wasm bool
	for _, u := range clerkReqs.all() {
		p, err := url.Parse(u)
		if err != nil || p.Scheme == "data" || p.Scheme == "blob" {
			continue
		}
		if p.Host != origin.Host {
			t.Errorf("the clerk's browser requested another origin: %s", u)
		}
		model = model || strings.HasSuffix(p.Path, "/vendor/selfie_segmentation/selfie_segmentation_landscape.tflite")
		wasm = wasm || strings.HasSuffix(p.Path, "/vendor/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.wasm")
	}
	if !model || !wasm {
		t.Errorf("the model (%v) and its runtime (%v) were not loaded from our origin: %v", model, wasm, clerkReqs.all())
	}
	for _, u := range citizenReqs.all() {
		if strings.Contains(u, "selfie_segmentation") || strings.Contains(u, "background.js") {
			t.Errorf("the citizen's browser loaded %s", u)
		}
	}
	var violations []string
	step(t, clerk, "CSP violations", chromedp.Evaluate(`window.bbCSP || []`, &violations))
	if len(violations) > 0 {
		t.Errorf("CSP violations on the clerk's room page: %v", violations)
	}
}
