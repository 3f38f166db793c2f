package staff_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

func TestPasswordHashing(t *testing.T) {
	h, err := staff.HashPassword("korrekt-pferd-batterie")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("not argon2id: %s", h)
	}
	if !staff.CheckPassword(h, "korrekt-pferd-batterie") || staff.CheckPassword(h, "korrekt-pferd-batteri") {
		t.Fatal("check is wrong")
	}
	h2, _ := staff.HashPassword("korrekt-pferd-batterie")
	if h == h2 {
		t.Fatal("no salt")
	}
	if _, err := staff.HashPassword("kurz"); err == nil {
		t.Fatal("short password accepted")
	}
}

func TestLoginLockoutAndSessions(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := staff.NewService(db, staff.Policy{LockoutThreshold: 3, LockoutWindow: 15 * time.Minute, LockoutDuration: 15 * time.Minute, SessionLifetime: time.Hour})
	if err := svc.Save(ctx, staff.Clerk{Login: "anna", DisplayName: "Anna", Role: staff.RoleClerk, Offices: []string{"bauamt"}}, "anna-passwort-123", false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(ctx, "niemand", "x"); !errors.Is(err, staff.ErrLogin) {
		t.Fatalf("unknown user: %v", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := svc.Login(ctx, "anna", "falsch"); !errors.Is(err, staff.ErrLogin) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := svc.Login(ctx, "anna", "falsch"); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("third failure should lock: %v", err)
	}
	// locked: even the right password is refused
	if _, err := svc.Login(ctx, "anna", "anna-passwort-123"); !errors.Is(err, staff.ErrLocked) {
		t.Fatalf("locked account let in: %v", err)
	}
	// after the lock expires the right password works and resets the counter
	if err := db.RecordLogin(ctx, "anna", 0, time.Time{}, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	sess, err := svc.Login(ctx, "anna", "anna-passwort-123")
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.Token) < 40 || len(sess.CSRF) < 30 || sess.Token == sess.CSRF {
		t.Fatalf("weak session tokens: %q %q", sess.Token, sess.CSRF)
	}
	got, err := svc.Resolve(ctx, sess.Token)
	if err != nil || got.Clerk.Login != "anna" || got.CSRF != sess.CSRF {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	if err := svc.Logout(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resolve(ctx, sess.Token); !errors.Is(err, staff.ErrNoSession) {
		t.Fatalf("session survived logout: %v", err)
	}
}

func TestValidateClerk(t *testing.T) {
	for _, c := range []staff.Clerk{
		{Login: "A", DisplayName: "x", Role: staff.RoleClerk},
		{Login: "anna", DisplayName: "", Role: staff.RoleClerk},
		{Login: "anna", DisplayName: "Anna", Role: "boss"},
		{Login: "anna", DisplayName: "Anna", Role: staff.RoleClerk, MatrixID: "anna"},
	} {
		if staff.ValidateClerk(c) == nil {
			t.Errorf("accepted %+v", c)
		}
	}
	if err := staff.ValidateClerk(staff.Clerk{Login: "anna.s", DisplayName: "Anna", Role: staff.RoleLead, MatrixID: "@anna:kreis.de"}); err != nil {
		t.Error(err)
	}
}
