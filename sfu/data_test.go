package sfu

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// The SFU reads data channels with a small buffer that grows on demand
// (data.go): a message far larger than the initial buffer is relayed
// whole, and a text message after it too.
func TestDataChannelRelaysLargeMessagesWhole(t *testing.T) {
	env := newTestEnv(t, Config{})
	clerk, err := dial(t, env.wsURL(env.auth.issue("dc-big", "clerk", RoleClerk)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	chat, err := clerk.Pub.CreateDataChannel("files", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := clerk.join("dc-big", "clerk"); err != nil {
		t.Fatal(err)
	}
	citizen := subscriber(t, env, "dc-big", "citizen", RoleCitizen, clientOptions{})
	got := make(chan webrtc.DataChannelMessage, 16)
	citizen.Sub.OnDataChannel(func(dc *webrtc.DataChannel) {
		if dc.Label() == "files" {
			dc.OnMessage(func(m webrtc.DataChannelMessage) { got <- m })
		}
	})
	big := bytes.Repeat([]byte("0123456789abcdef"), 40<<10/16) // 40 KiB, 20× the initial buffer
	deadline := time.Now().Add(waitMedia)
	for {
		if time.Now().After(deadline) {
			t.Fatal("large message never relayed")
		}
		if chat.ReadyState() == webrtc.DataChannelStateOpen {
			_ = chat.Send(big)
			_ = chat.SendText("danach")
		}
		select {
		case m := <-got:
			if m.IsString || !bytes.Equal(m.Data, big) {
				t.Fatalf("relayed %d bytes (string %v), want the %d bytes sent", len(m.Data), m.IsString, len(big))
			}
			select {
			case m := <-got:
				if !m.IsString || string(m.Data) != "danach" {
					t.Fatalf("after the large message: %q (string %v)", m.Data, m.IsString)
				}
				return
			case <-time.After(waitMedia):
				t.Fatal("text message after the large one never relayed")
			}
		case <-time.After(50 * time.Millisecond):
		}
	}
}
