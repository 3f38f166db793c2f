package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	altcha "github.com/altcha-org/altcha-lib-go"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/pow"
)

// powWait bounds one search in the browser: about a second on an idle
// machine, several on a busy CI machine with -race.
const powWait = time.Minute

// widgetJS mounts the vendored ALTCHA widget into the current page the way
// the booking page will (stylesheet, module, element), with our own texts,
// records every CSP violation, and keeps the payload of the verified event.
const widgetJS = `(() => {
	window.__csp = [];
	document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
	const css = document.createElement('link');
	css.rel = 'stylesheet';
	css.href = '/static/vendor/altcha/altcha.css';
	document.head.append(css);
	const js = document.createElement('script');
	js.type = 'module';
	js.src = '/static/vendor/altcha/altcha.js';
	document.head.append(js);
	window.mountWidget = (id, attrs) => {
		const w = document.createElement('altcha-widget');
		w.dataset.test = id; // the widget owns its id attribute
		w.setAttribute('hidefooter', '');
		w.setAttribute('hidelogo', '');
		w.setAttribute('strings', JSON.stringify({label: 'Ich bin ein Mensch (Test)', verifying: 'Wird geprüft (Test)',
			verified: 'Geprüft (Test)', error: 'Fehler (Test)', expired: 'Abgelaufen (Test)'}));
		for (const [k, v] of Object.entries(attrs)) w.setAttribute(k, v);
		w.addEventListener('verified', e => { w.dataset.payload = e.detail.payload; w.dataset.ms = performance.now() - w.started; });
		document.querySelector('main, body').prepend(w);
		return true;
	};
	window.widget = id => document.querySelector('altcha-widget[data-test="' + id + '"]');
	window.solve = id => { const w = widget(id); w.started = performance.now(); w.verify(); return true; };
	return true;
})()`

// solveInBrowser mounts a widget, starts it and returns its payload and the
// milliseconds the browser needed.
func solveInBrowser(t *testing.T, b contextT, id string, attrs map[string]string) (string, float64) {
	t.Helper()
	a, _ := json.Marshal(attrs)
	var ok bool
	step(t, b, "mount widget "+id, chromedp.Evaluate(`mountWidget(`+jsString(id)+`, `+string(a)+`)`, &ok),
		chromedp.Poll(`typeof widget(`+jsString(id)+`).verify === 'function'`, nil),
		chromedp.Evaluate(`solve(`+jsString(id)+`)`, &ok))
	var payload string
	var ms float64
	sctx, cancel := context.WithTimeout(b, powWait+time.Second)
	defer cancel()
	if err := chromedp.Run(sctx, chromedp.Poll(`widget(`+jsString(id)+`).dataset.payload || false`, &payload, chromedp.WithPollingTimeout(powWait)),
		chromedp.Evaluate(`+widget(`+jsString(id)+`).dataset.ms`, &ms)); err != nil {
		var state string
		var violations []string
		chromedp.Run(b, chromedp.Evaluate(`widget(`+jsString(id)+`).getState()`, &state), chromedp.Evaluate(`window.__csp`, &violations))
		t.Fatalf("widget %s did not solve: %v (state %q, CSP violations %v)", id, err, state, violations)
	}
	return payload, ms
}

// TestProofOfWorkInBrowser: a real browser, on one of our pages under our
// strict CSP, loads the vendored ALTCHA widget from our origin, fetches a
// challenge from /api/v1/pow/challenge and solves it in its workers; the
// appliance accepts the solution once, and refuses it tampered or expired.
func TestProofOfWorkInBrowser(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	b := newBrowser(t, srv.CertPEM)()
	var ok bool
	step(t, b, "office page with the widget", chromedp.Navigate(srv.URL+"/"), chromedp.Evaluate(widgetJS, &ok),
		chromedp.Poll(`!!customElements.get('altcha-widget')`, nil))

	// the default cost, as a citizen would meet it
	payload, ms := solveInBrowser(t, b, "pow", map[string]string{"challengeurl": "/api/v1/pow/challenge"})
	var label string
	step(t, b, "widget shows our texts", chromedp.Poll(`(() => { const t = widget('pow').querySelector('label')?.innerText || '';
		return t.includes('Geprüft (Test)') ? t : false; })()`, &label))
	var links int
	step(t, b, "no link to another site", chromedp.Evaluate(`widget('pow').querySelectorAll('a[href]').length`, &links))
	if links != 0 {
		t.Errorf("the widget shows %d links (vendor logo or footer)", links)
	}
	sol := decodePayload(t, payload)
	t.Logf("browser solved max_number %d in %.0f ms (number %d, widget took %d ms)", srv.Config.HTTP.ProofOfWork.MaxNumber, ms, sol.Number, sol.Took)

	if ok, err := srv.App.PoW.Verify(payload); !ok || err != nil {
		t.Fatalf("the browser's solution refused: %v, %v", ok, err)
	}
	if ok, _ := srv.App.PoW.Verify(payload); ok {
		t.Error("the browser's solution was accepted twice")
	}

	// tampered: a solution for another number, and one with a later expiry
	fresh, _ := solveInBrowser(t, b, "pow2", map[string]string{"challengeurl": "/api/v1/pow/challenge"})
	s := decodePayload(t, fresh)
	s.Number++
	if ok, _ := srv.App.PoW.Verify(encodePayload(s)); ok {
		t.Error("a solution with a changed number was accepted")
	}
	s.Number--
	s.Salt = strings.Replace(s.Salt, "expires=", "expires=9", 1)
	if ok, _ := srv.App.PoW.Verify(encodePayload(s)); ok {
		t.Error("a solution with a changed expiry was accepted")
	}

	// expired: a challenge of this installation (its key) that lives two
	// seconds, solved in the browser, spent after its expiry
	key, err := pow.LoadKey(srv.Config.Store.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(2 * time.Second)
	short, err := altcha.CreateChallenge(altcha.ChallengeOptions{Algorithm: altcha.SHA256, MaxNumber: 1000, HMACKey: string(key), Expires: &exp})
	if err != nil {
		t.Fatal(err)
	}
	cj, _ := json.Marshal(short)
	late, _ := solveInBrowser(t, b, "pow3", map[string]string{"challengejson": string(cj)})
	<-time.After(time.Until(exp.Truncate(time.Second).Add(time.Second))) // the clock is what is under test here
	if ok, _ := srv.App.PoW.Verify(late); ok {
		t.Error("a solution of an expired challenge was accepted")
	}

	// the browser's rate: one worker searching a known 100 000 numbers
	exp = time.Now().Add(time.Minute)
	last := int64(99_999)
	rate, _ := altcha.CreateChallenge(altcha.ChallengeOptions{Algorithm: altcha.SHA256, MaxNumber: 100_000, HMACKey: string(key), Expires: &exp, Number: &last})
	rj, _ := json.Marshal(rate)
	_, ms = solveInBrowser(t, b, "pow4", map[string]string{"challengejson": string(rj), "workers": "1"})
	t.Logf("browser: one worker, 100000 SHA-256 in %.0f ms = %.0f hashes/s", ms, 100_000/(ms/1000))

	var violations []string
	step(t, b, "no CSP violation", chromedp.Evaluate(`window.__csp`, &violations))
	if len(violations) > 0 {
		t.Errorf("the widget violated the CSP: %v", violations)
	}
}

func decodePayload(t *testing.T, p string) struct {
	altcha.Payload
	Took int64 `json:"took"`
} {
	t.Helper()
	var out struct {
		altcha.Payload
		Took int64 `json:"took"`
	}
	b, err := base64.StdEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(b, &out) != nil {
		t.Fatalf("payload %q: %v", p, err)
	}
	return out
}

func encodePayload(p any) string {
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}
