package oidcauth_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/oidcauth"
	"github.com/buergerbuero/buergerbuero/appliance/oidcauth/oidctest"
	"github.com/buergerbuero/buergerbuero/appliance/onetime"
)

// TestSignInFinishesOnAnotherNode: a sign-in begun on one node and
// returned by the provider to another finds its flow there when the nodes
// share the single-use store, once; without it the other node knows
// nothing of it (the old per-node behaviour).
func TestSignInFinishesOnAnotherNode(t *testing.T) {
	op := oidctest.Shared(t)
	file := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(file, []byte("client-secret-0123456789"), 0o600)
	cfg := &config.OIDC{Issuer: op.Issuer, ClientID: "share-test", ClientSecretFile: file}
	node := func() *oidcauth.Provider {
		p, err := oidcauth.New(context.Background(), cfg, "https://termine.example")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	begin := func(p *oidcauth.Provider) (id, state string) {
		t.Helper()
		id, u, err := p.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		parsed, _ := url.Parse(u)
		return id, parsed.Query().Get("state")
	}

	a, b := node(), node()
	id, state := begin(a)
	if _, _, err := b.Finish(ctx, id, state, "code"); !errors.Is(err, oidcauth.ErrExpired) {
		t.Fatalf("separate nodes: %v, want the flow unknown there", err)
	}

	shared := onetime.NewMemory(100)
	a.Share(shared)
	b.Share(shared)
	id, state = begin(a)
	// the flow is found and its state checked: the refusal is the wrong state's
	if _, _, err := b.Finish(ctx, id, "another-state", "code"); !errors.Is(err, oidcauth.ErrVerify) {
		t.Fatalf("shared flow, wrong state: %v, want oidc_invalid", err)
	}
	if _, _, err := a.Finish(ctx, id, state, "code"); !errors.Is(err, oidcauth.ErrExpired) {
		t.Fatalf("the flow used again: %v, want it gone", err)
	}
}
