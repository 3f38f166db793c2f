package web

import (
	"bytes"
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/oidcauth"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestSSOGrantSealedSharedAndClaimedOnce: an OpenID session's grant
// written by node A (on the test store: SQLite, or PostgreSQL with
// BUERGERBUERO_TEST_STORE=postgres) is read by node B and by A after a
// restart; the database row holds neither the refresh nor the ID token
// nor the session token in clear, and another token does not open it; of
// two nodes re-checking at once one refreshes, and the other's logout
// ends the provider session with the refreshed ID token.
func TestSSOGrantSealedSharedAndClaimedOnce(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, t.TempDir())
	a, b := &ssoSessions{store: db}, &ssoSessions{store: db}
	token := staff.RandomToken(32)
	g := oidcauth.Grant{RefreshToken: "rt-" + staff.RandomToken(24), IDToken: "eyJ-id-" + staff.RandomToken(24),
		AccessToken: "at-" + staff.RandomToken(24), Expiry: time.Now().Add(time.Hour).Truncate(time.Second)}
	checked := time.Now().Add(-2 * time.Hour)
	if err := a.put(ctx, token, &ssoSession{login: "lena", subject: "sub-9", grant: g, checked: checked, expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	var row []byte
	for _, col := range []string{"session_hash", "login", "kind", "subject", "sealed"} {
		var v []byte
		if err := db.ReadDB().QueryRow(`SELECT ` + col + ` FROM sso_grants`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		row = append(row, v...)
	}
	for _, secret := range []string{g.RefreshToken, g.IDToken, g.AccessToken, token} {
		if bytes.Contains(row, []byte(secret)) {
			t.Fatalf("the database row holds %q in clear", secret)
		}
	}

	x, err := b.get(ctx, token)
	if err != nil || x == nil || x.login != "lena" || x.subject != "sub-9" ||
		x.grant.RefreshToken != g.RefreshToken || x.grant.IDToken != g.IDToken || x.grant.AccessToken != g.AccessToken || !x.grant.Expiry.Equal(g.Expiry) {
		t.Fatalf("node B read %+v, %v; want A's grant", x, err)
	}
	hash := staff.HashToken(token)
	sg, _, _ := db.SSOGrantGet(ctx, hash)
	if _, err := openGrant(staff.RandomToken(32), hash, sg.Sealed); err == nil {
		t.Fatal("another session token opened the grant")
	}

	// both nodes find the interval passed and re-check at once
	xa, _ := a.get(ctx, token)
	var won atomic.Int32
	var wg sync.WaitGroup
	for _, n := range []struct {
		x *ssoSessions
		s *ssoSession
	}{{a, xa}, {b, x}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.s.mu.Lock()
			defer n.s.mu.Unlock()
			ok, err := n.x.claim(ctx, token, n.s, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
				if err := n.x.refreshed(ctx, token, n.s, oidcauth.Grant{RefreshToken: "rt-2", IDToken: "id-2"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d nodes refreshed the grant, want 1", won.Load())
	}
	if x := b.take(ctx, token); x == nil || x.grant.IDToken != "id-2" {
		t.Fatalf("logout took %+v, want the refreshed grant", x)
	}
	if x, err := (&ssoSessions{store: db}).get(ctx, token); x != nil || err != nil {
		t.Fatalf("after the logout a node still finds %+v, %v", x, err)
	}
}
