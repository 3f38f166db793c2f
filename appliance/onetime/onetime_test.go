package onetime

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMemoryKeysOnceAndBounded: on one node a key opens once, a forged
// or expired one never, and a full store refuses new keys instead of
// growing without end.
func TestMemoryKeysOnceAndBounded(t *testing.T) {
	ctx := context.Background()
	k := &Keys{store: NewMemory(2), kind: "stream"}
	key, err := k.Issue(ctx, []byte("grant"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := k.Redeem(ctx, key); err != nil || string(body) != "grant" {
		t.Fatalf("redeem: %q %v", body, err)
	}
	for _, bad := range []string{key, "", "not-base64!", key[:10]} {
		if _, err := k.Redeem(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("redeem %q: %v, want ErrInvalid", bad, err)
		}
	}
	old, _ := k.Issue(ctx, []byte("old"), -time.Millisecond)
	if _, err := k.Redeem(ctx, old); !errors.Is(err, ErrInvalid) {
		t.Fatalf("expired: %v", err)
	}
	k.Issue(ctx, nil, time.Minute)
	k.Issue(ctx, nil, time.Minute)
	if _, err := k.Issue(ctx, nil, time.Minute); !errors.Is(err, ErrFull) {
		t.Fatalf("third key in a store of two: %v, want ErrFull", err)
	}
}
