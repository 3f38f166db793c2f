package store_test

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// TestSSOGrantRows: a directory session's grant (web's ssoSessions) on both
// dialects, written through one handle and read through another as two
// nodes do: of two nodes claiming the same re-check exactly one wins, a
// refreshed grant needs the claim, logout and a clerk's end remove the
// rows, and the purge removes rows that ran out.
func TestSSOGrantRows(t *testing.T) { forEachDialect(t, testSSOGrantRows) }

func testSSOGrantRows(t *testing.T, open opener) {
	ctx := context.Background()
	a, b := open(), open()
	checked := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	if _, found, err := b.SSOGrantGet(ctx, "h1"); found || err != nil {
		t.Fatalf("missing grant: found %v, %v", found, err)
	}
	put := func(hash, login string, expires time.Time) {
		t.Helper()
		if err := a.SSOGrantPut(ctx, hash, ssoGrant(login, checked, expires)); err != nil {
			t.Fatal(err)
		}
	}
	put("h1", "lena", time.Now().Add(time.Hour))
	put("h2", "lena", time.Now().Add(time.Hour))
	put("h3", "jonas", time.Now().Add(time.Hour))
	put("old", "jonas", time.Now().Add(-time.Minute))
	got, found, err := b.SSOGrantGet(ctx, "h1")
	if err != nil || !found || got.Login != "lena" || got.Kind != "oidc" || got.Subject != "sub-1" ||
		!bytes.Equal(got.Sealed, []byte{0, 1, 2}) || !got.Checked.Equal(checked) {
		t.Fatalf("grant read on the other handle: %+v %v %v", got, found, err)
	}
	if _, found, _ := b.SSOGrantGet(ctx, "old"); found {
		t.Fatal("a grant past its session's deadline was found")
	}

	// two nodes re-check at once: one claim wins
	var wins atomic.Int32
	var wg sync.WaitGroup
	now := time.Now().Truncate(time.Millisecond)
	for i, db := range []interface {
		SSOGrantClaim(context.Context, string, time.Time, time.Time) (bool, error)
	}{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.SSOGrantClaim(ctx, "h1", checked, now.Add(time.Duration(i)*time.Millisecond))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of 4 concurrent claims won, want exactly 1", wins.Load())
	}
	got, _, _ = a.SSOGrantGet(ctx, "h1")
	if ok, _ := b.SSOGrantUpdate(ctx, "h1", checked, []byte("stale")); ok {
		t.Fatal("a refresh without the claim was stored")
	}
	if ok, err := b.SSOGrantUpdate(ctx, "h1", got.Checked, []byte("new")); !ok || err != nil {
		t.Fatalf("the claimant's refresh: %v %v", ok, err)
	}
	if got, _, _ = a.SSOGrantGet(ctx, "h1"); string(got.Sealed) != "new" {
		t.Fatalf("after the refresh: %q", got.Sealed)
	}

	if err := b.SSOGrantDelete(ctx, "h2"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := a.SSOGrantGet(ctx, "h2"); found {
		t.Fatal("a logged-out session's grant is still there")
	}
	if err := b.SSOGrantDeleteLogin(ctx, "lena"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := a.SSOGrantGet(ctx, "h1"); found {
		t.Fatal("an ended clerk's grant is still there")
	}
	if _, err := a.Purge(ctx, nil, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM sso_grants`); n != 1 {
		t.Fatalf("after the purge %d rows, want jonas's live one", n)
	}
}

func ssoGrant(login string, checked, expires time.Time) store.SSOGrant {
	return store.SSOGrant{Login: login, Kind: "oidc", Subject: "sub-1", Sealed: []byte{0, 1, 2}, Checked: checked, Expires: expires}
}
