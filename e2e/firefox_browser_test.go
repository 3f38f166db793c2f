package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// Named waits of the Firefox journey, generous because two browsers
// encode and decode video on a shared 2-core machine. journeyStepWait
// bounds each step inside the Node script (starting Firefox, a page, ICE
// and the first decoded frames), whose error then names the step;
// journeyEventWait is the test's own backstop between two reports.
const (
	journeyStepWait  = 2 * time.Minute
	journeyEventWait = 5 * time.Minute
)

// TestFirefoxVideoConsultation: a citizen using Debian's Firefox ESR
// (WebDriver BiDi, e2e/firefox/journey.mjs) knocks, waits, is called into
// the room by a clerk using Chromium, and both see each other's video:
// Firefox decodes and presents the clerk's camera, the clerk's Chromium
// decodes Firefox's. Then the citizen hangs up and the clerk sees the
// consultation end.
func TestFirefoxVideoConsultation(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	firefox, modules := firefoxPath(t), nodeModules(t, "e2e/firefox")
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	clerk := newBrowser(t, srv.CertPEM)()
	citizen := startJourney(t, map[string]string{
		"BB_URL": srv.URL, "BB_OFFICE": "buergerbuero", "BB_FIREFOX": firefox,
		"BB_NODE_MODULES": modules, "BB_WAIT_MS": fmt.Sprint(journeyStepWait.Milliseconds()),
	})
	t.Logf("citizen's browser: %s", citizen.await(t, "browser").Version)

	w := citizen.await(t, "waiting")
	t.Logf("Firefox citizen waits as %s (place %s)", w.Number, w.Place)
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	step(t, clerk, "admit the Firefox citizen",
		chromedp.Click(fmt.Sprintf(`li.ticket[data-number=%q] button[data-action=admit]`, w.Number), chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	citizen.await(t, "room")
	step(t, clerk, "clerk consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	citizen.await(t, "consented")

	d := citizen.await(t, "decoding")
	t.Logf("Firefox decodes the clerk's video: %dx%d, %d frames decoded, %d presented, %.1f s played; %d frames of its own camera encoded",
		d.Width, d.Height, d.FramesDecoded, d.FramesPresented, d.CurrentTime, d.FramesEncoded)
	if d.Width == 0 || d.FramesDecoded == 0 || d.FramesPresented == 0 || d.FramesEncoded == 0 {
		t.Fatalf("Firefox reports video it does not show or send: %+v", d)
	}
	decoded(t, clerk, "the clerk's Chromium decodes the Firefox citizen's video", 1)

	citizen.send(t, "hangup")
	e := citizen.await(t, "ended")
	t.Logf("Firefox citizen after hanging up: %q", e.State)
	step(t, clerk, "the clerk sees the consultation ended", chromedp.WaitNotPresent(`#media [data-tile=remote]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[data-action="console"]`, chromedp.ByQuery))
	citizen.exited(t)
}

// firefoxPath finds Debian's Firefox ESR; the README's test command
// installs it.
func firefoxPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("FIREFOX"), "/usr/bin/firefox-esr"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("firefox-esr is not installed: run the README's test command (scripts/test), which installs Debian's firefox-esr package")
	return ""
}

// nodeModules returns the node_modules folder with the npm packages that
// dir (package.json, package-lock.json) pins: $BUERGERBUERO_NODE_MODULES
// as scripts/test exports it, or installed once by scripts/tools/node-modules.
func nodeModules(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: run the README's test command (scripts/test), which installs Debian's nodejs package")
	}
	if m := os.Getenv("BUERGERBUERO_NODE_MODULES"); m != "" {
		return m
	}
	script, err := filepath.Abs(filepath.Join("..", "scripts", "tools", "node-modules"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cannot install the npm packages of %s (%s): %v\n%s", dir, script, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// journeyEvent is one line the Node script reports on stdout.
type journeyEvent struct {
	Event           string  `json:"event"`
	Message         string  `json:"message"`
	Stack           string  `json:"stack"`
	Version         string  `json:"version"`
	Number          string  `json:"number"`
	Place           string  `json:"place"`
	State           string  `json:"state"`
	Width           int     `json:"width"`
	Height          int     `json:"height"`
	FramesDecoded   int     `json:"framesDecoded"`
	FramesPresented int     `json:"framesPresented"`
	FramesEncoded   int     `json:"framesEncoded"`
	CurrentTime     float64 `json:"currentTime"`
}

// journey is the running Node script that plays the Firefox citizen.
type journey struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan journeyEvent // closed when stdout ends
	done   chan error        // the script's exit
}

// startJourney runs e2e/firefox/journey.mjs with env and logs its stderr
// (Firefox's console errors, Node's own errors) into the test output.
func startJourney(t *testing.T, env map[string]string) *journey {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", filepath.Join("firefox", "journey.mjs"))
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// SIGTERM, not SIGKILL: puppeteer then closes Firefox on its way out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	j := &journey{cmd: cmd, stdin: stdin, events: make(chan journeyEvent, 16), done: make(chan error, 1)}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			t.Logf("journey.mjs: %s", s.Text())
		}
	}()
	go func() {
		defer close(j.events)
		s := bufio.NewScanner(stdout)
		s.Buffer(make([]byte, 64*1024), 1024*1024)
		for s.Scan() {
			var e journeyEvent
			if err := json.Unmarshal(s.Bytes(), &e); err != nil {
				e = journeyEvent{Event: "error", Message: "unreadable line from journey.mjs: " + s.Text()}
			}
			j.events <- e
		}
	}()
	go func() {
		err := cmd.Wait()
		<-logged
		j.done <- err
	}()
	t.Cleanup(func() {
		stdin.Close()
		cancel()
		select {
		case <-j.done:
		case <-time.After(time.Minute):
			t.Errorf("journey.mjs did not exit")
		}
	})
	return j
}

// await waits for the script's next event and fails the test unless it
// is the one named; an error event fails it with the script's message.
func (j *journey) await(t *testing.T, name string) journeyEvent {
	t.Helper()
	select {
	case e, ok := <-j.events:
		switch {
		case !ok:
			t.Fatalf("Firefox journey: the script ended before %q: %v", name, j.exitError())
		case e.Event == "error":
			t.Fatalf("Firefox journey, waiting for %q: %s\n%s", name, e.Message, e.Stack)
		case e.Event != name:
			t.Fatalf("Firefox journey: got %q, want %q", e.Event, name)
		}
		return e
	case <-time.After(journeyEventWait):
		t.Fatalf("Firefox journey: no %q within %s", name, journeyEventWait)
	}
	return journeyEvent{}
}

// send gives the script its next command.
func (j *journey) send(t *testing.T, cmd string) {
	t.Helper()
	if _, err := io.WriteString(j.stdin, cmd+"\n"); err != nil {
		t.Fatalf("Firefox journey: send %q: %v", cmd, err)
	}
}

// exited waits for the script to finish and fails the test unless it
// exited cleanly.
func (j *journey) exited(t *testing.T) {
	t.Helper()
	j.stdin.Close()
	if e, ok := <-j.events; ok {
		t.Fatalf("Firefox journey: unexpected %q after the end: %s", e.Event, e.Message)
	}
	if err := j.exitError(); err != nil {
		t.Fatalf("Firefox journey: node exited with %v", err)
	}
}

// exitError waits (bounded) for the script's exit status.
func (j *journey) exitError() error {
	select {
	case err := <-j.done:
		j.done <- err // keep it for the cleanup
		return err
	case <-time.After(time.Minute):
		return fmt.Errorf("node did not exit within a minute")
	}
}
