package store_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"time"
)

// TestCertRowsAndLocks: the certificate storage's rows (tlsconf's
// SharedStorage) on both dialects: a key range is a subtree, byte-wise; a
// lock goes to one owner until it is released or expires.
func TestCertRowsAndLocks(t *testing.T) { forEachDialect(t, testCertRowsAndLocks) }

func testCertRowsAndLocks(t *testing.T, open opener) {
	ctx := context.Background()
	a, b := open(), open()
	if _, err := a.CertGet(ctx, "x"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing key: %v, want fs.ErrNotExist", err)
	}
	for _, k := range []string{"c/ca/one.crt", "c/ca/d/two.crt", "c/ca-2/x", "c/ca~/y", "c/caZ"} {
		if err := a.CertPut(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	es, err := b.CertList(ctx, "c/ca")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range es {
		keys = append(keys, e.Key)
	}
	if want := []string{"c/ca/d/two.crt", "c/ca/one.crt"}; !slices.Equal(keys, want) {
		t.Fatalf("CertList(c/ca): %q, want %q", keys, want)
	}
	if err := b.CertDelete(ctx, "c/ca"); err != nil {
		t.Fatal(err)
	}
	if es, _ := a.CertList(ctx, ""); len(es) != 3 {
		t.Fatalf("after deleting c/ca: %d keys, want its 3 neighbours", len(es))
	}

	now := time.Now()
	if ok, err := a.CertLock(ctx, "l", "a", now.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("free lock: %v, %v", ok, err)
	}
	if ok, _ := b.CertLock(ctx, "l", "b", now.Add(time.Minute)); ok {
		t.Fatal("a held lock was taken")
	}
	if ok, _ := b.CertRelock(ctx, "l", "b", now.Add(time.Hour)); ok {
		t.Fatal("another owner refreshed the lock")
	}
	if ok, _ := a.CertRelock(ctx, "l", "a", now.Add(-time.Second)); !ok {
		t.Fatal("the holder could not refresh its lock")
	}
	if ok, _ := b.CertLock(ctx, "l", "b", now.Add(time.Minute)); !ok {
		t.Fatal("an expired lock was not taken over")
	}
	if err := a.CertUnlock(ctx, "l", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.CertLock(ctx, "l", "a", now.Add(time.Minute)); ok {
		t.Fatal("the former holder's unlock released the new holder's lock")
	}
	if err := b.CertUnlock(ctx, "l", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.CertLock(ctx, "l", "a", now.Add(time.Minute)); !ok {
		t.Fatal("lock not free after its holder's unlock")
	}
}
