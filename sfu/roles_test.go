package sfu

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/sfu/sfuclient"
)

func rpcCode(err error) int {
	var e *sfuclient.RPCError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestCitizenTokenBoundToRoom(t *testing.T) {
	env := newTestEnv(t, Config{})
	c, err := dial(t, env.wsURL(env.auth.issue("room-a", "citizen", RoleCitizen)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.join("room-b", "citizen"); rpcCode(err) != codeForbidden {
		t.Fatalf("join of another room: err %v, want code %d", err, codeForbidden)
	}
	if err := c.join("room-a", "citizen"); err != nil {
		t.Fatalf("join of own room after refusal: %v", err)
	}
}

func TestViewerMayNotPublish(t *testing.T) {
	env := newTestEnv(t, Config{})
	_, s := publisher(t, env, "event", "clerk")

	v, err := dial(t, env.wsURL(env.auth.issue("event", "viewer-1", RoleViewer)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := addSynth(v, "viewer-stream"); err != nil {
		t.Fatal(err)
	}
	if err := v.join("event", "viewer-1"); rpcCode(err) != codeForbidden {
		t.Fatalf("viewer publishing: err %v, want code %d", err, codeForbidden)
	}

	// A receive-only viewer is admitted and gets the clerk's media.
	watcher := subscriber(t, env, "event", "viewer-2", RoleViewer, clientOptions{})
	verifyIdentical(t, s, nextTrack(t, watcher, webrtc.RTPCodecTypeVideo), 10)
	// Renegotiating to publish later is refused as well.
	if _, err := watcher.Pub.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := watcher.Pub.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watcher.call("offer", negotiationParams{Desc: offer}); rpcCode(err) != codeForbidden {
		t.Fatalf("viewer renegotiating to publish: err %v, want code %d", err, codeForbidden)
	}
}

func TestAdmissionTokenRequired(t *testing.T) {
	env := newTestEnv(t, Config{})
	for _, url := range []string{env.wsURL(""), env.wsURL("forged")} {
		_, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if err == nil {
			t.Fatalf("%s: connected without a valid token", url)
		}
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: response %v, want 401", url, resp)
		}
	}
	// The token may also come as bearer header.
	h := http.Header{"Authorization": {"Bearer " + env.auth.issue("r", "clerk", RoleClerk)}}
	ws, _, err := websocket.DefaultDialer.Dial(env.wsURL(""), h)
	if err != nil {
		t.Fatalf("bearer header: %v", err)
	}
	_ = ws.Close()
}
