package web

import (
	"testing"
	"time"
)

// TestEventJoinLimit: one address opens at most viewerJoinBurst viewer
// sessions a window; another address and the next window are not
// affected.
func TestEventJoinLimit(t *testing.T) {
	var l joinLimiter
	now := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	for i := range viewerJoinBurst {
		if !l.allow("192.0.2.1", now) {
			t.Fatalf("join %d refused", i+1)
		}
	}
	if l.allow("192.0.2.1", now.Add(time.Second)) {
		t.Fatal("join beyond the burst allowed")
	}
	if !l.allow("192.0.2.2", now) {
		t.Fatal("another address refused")
	}
	if !l.allow("192.0.2.1", now.Add(viewerJoinWindow)) {
		t.Fatal("next window refused")
	}
}
