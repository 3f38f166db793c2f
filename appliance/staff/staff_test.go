package staff_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
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

// clock is a settable time for the service.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

var testPolicy = staff.Policy{
	Throttle: staff.Throttle{AddressAttempts: 3, AddressMaxDelay: 10 * time.Minute, AccountAttempts: 5,
		AccountMaxDelay: time.Minute, FirstDelay: time.Second, Forget: time.Hour},
	SessionLifetime: 10 * time.Hour, SessionIdle: 30 * time.Minute,
}

func newService(t *testing.T) (*staff.Service, *store.DB, *clock) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, t.TempDir())
	svc := staff.NewService(db, testPolicy)
	c := newClock()
	svc.SetClock(c.now)
	if err := svc.Save(ctx, staff.Clerk{Login: "anna", DisplayName: "Anna", Role: staff.RoleClerk, Offices: []string{"bauamt"}}, "anna-passwort-123", false); err != nil {
		t.Fatal(err)
	}
	return svc, db, c
}

func wantThrottled(t *testing.T, err error, what string) time.Duration {
	t.Helper()
	te, ok := errors.AsType[*staff.ThrottledError](err)
	if !ok || !errors.Is(err, problem.ErrRateLimited) {
		t.Fatalf("%s: %v, want throttled", what, err)
	}
	return te.Wait
}

// TestLoginThrottleIsNoLockout: wrong passwords from one address slow that
// address down, doubling, but the clerk still gets in from another one.
func TestLoginThrottleIsNoLockout(t *testing.T) {
	ctx := context.Background()
	svc, _, c := newService(t)
	const attacker, office = "203.0.113.7", "10.1.2.3"
	if _, err := svc.Login(ctx, "niemand", "x", office); !errors.Is(err, staff.ErrLogin) {
		t.Fatalf("unknown user: %v", err)
	}
	for i := 0; i < 3; i++ {
		if _, err := svc.Login(ctx, "anna", "falsch-falsch", attacker); !errors.Is(err, staff.ErrLogin) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// the address waits 1 s, then 2 s after the next failure, …
	if w := wantThrottled(t, errOf(svc.Login(ctx, "anna", "anna-passwort-123", attacker)), "4th from attacker"); w != time.Second {
		t.Fatalf("first wait %v, want 1s", w)
	}
	c.add(time.Second)
	if _, err := svc.Login(ctx, "anna", "falsch-falsch", attacker); !errors.Is(err, staff.ErrLogin) {
		t.Fatalf("after the wait: %v", err)
	}
	if w := wantThrottled(t, errOf(svc.Login(ctx, "anna", "falsch-falsch", attacker)), "5th from attacker"); w != 2*time.Second {
		t.Fatalf("second wait %v, want 2s", w)
	}
	// meanwhile the clerk signs in from the office
	sess, err := svc.Login(ctx, "anna", "anna-passwort-123", office)
	if err != nil {
		t.Fatalf("clerk locked out by someone else's failures: %v", err)
	}
	if len(sess.Token) < 40 || len(sess.CSRF) < 30 || sess.Token == sess.CSRF || sess.MustChange {
		t.Fatalf("weak or restricted session: %+v", sess)
	}
	// the throttle covers the whole IPv6 /64, not one address of it
	for i := 0; i < 3; i++ {
		svc.Login(ctx, "anna", "falsch-falsch", "2001:db8:1:2::"+string(rune('a'+i)))
	}
	wantThrottled(t, errOf(svc.Login(ctx, "anna", "falsch-falsch", "2001:db8:1:2::ff")), "same /64")
	// and failures are forgotten after an hour
	c.add(time.Hour + time.Minute)
	if _, err := svc.Login(ctx, "anna", "anna-passwort-123", attacker); err != nil {
		t.Fatalf("address still throttled after forget: %v", err)
	}
}

// TestLoginThrottleAcrossAddresses: guesses spread over many addresses slow
// each guessing address down once the account has seen enough failures,
// yet the clerk at a fresh address gets in at once and after a typo waits
// at most the account's maximum delay.
func TestLoginThrottleAcrossAddresses(t *testing.T) {
	ctx := context.Background()
	svc, _, c := newService(t)
	bot := func(i int) string { return "198.51.100." + strconv.Itoa(i) }
	for i := 0; i < 8; i++ {
		if _, err := svc.Login(ctx, "anna", "falsch-falsch", bot(i)); !errors.Is(err, staff.ErrLogin) {
			t.Fatalf("first guess from bot %d: %v", i, err)
		}
	}
	// a second guess from a bot that failed before must wait (address
	// alone would still allow it: 1 failure of 3)
	w := wantThrottled(t, errOf(svc.Login(ctx, "anna", "falsch-falsch", bot(0))), "bot 0 again")
	if w > time.Minute {
		t.Fatalf("account wait %v beyond account_max_delay", w)
	}
	// the clerk, from a fresh address, is not slowed at all
	if _, err := svc.Login(ctx, "anna", "anna-passwort-123", "10.1.2.3"); err != nil {
		t.Fatalf("clerk refused during a distributed attack: %v", err)
	}
	// after a typo from the office she waits at most a minute, however
	// busy the bots are
	if _, err := svc.Login(ctx, "anna", "vertippt-123", "10.1.2.4"); !errors.Is(err, staff.ErrLogin) {
		t.Fatal(err)
	}
	for i := 8; i < 16; i++ {
		svc.Login(ctx, "anna", "falsch-falsch", bot(i))
	}
	w = wantThrottled(t, errOf(svc.Login(ctx, "anna", "anna-passwort-123", "10.1.2.4")), "after typo")
	if w > time.Minute {
		t.Fatalf("clerk kept waiting %v", w)
	}
	c.add(w)
	if _, err := svc.Login(ctx, "anna", "anna-passwort-123", "10.1.2.4"); err != nil {
		t.Fatalf("clerk still refused after the wait: %v", err)
	}
}

// TestLoginThrottleParallel: parallel guesses from one address cannot slip
// past the limit while the first ones are still being checked.
func TestLoginThrottleParallel(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Login(ctx, "anna", "falsch-falsch", "203.0.113.9")
			if errors.Is(err, staff.ErrLogin) {
				mu.Lock()
				checked++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if checked != testPolicy.Throttle.AddressAttempts {
		t.Fatalf("%d of 12 parallel guesses were checked, want %d", checked, testPolicy.Throttle.AddressAttempts)
	}
}

func errOf(_ staff.Session, err error) error { return err }

func TestSessionIdleAndLifetime(t *testing.T) {
	ctx := context.Background()
	svc, _, c := newService(t)
	sess, err := svc.Login(ctx, "anna", "anna-passwort-123", "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	// used every 20 minutes: the idle deadline moves along
	for i := 0; i < 5; i++ {
		c.add(20 * time.Minute)
		got, err := svc.Resolve(ctx, sess.Token)
		if err != nil || got.Clerk.Login != "anna" || got.CSRF != sess.CSRF {
			t.Fatalf("resolve after %d×20 min of use: %+v %v", i+1, got, err)
		}
	}
	// unused for longer than session_idle: gone, also afterwards
	c.add(31 * time.Minute)
	if _, err := svc.Resolve(ctx, sess.Token); !errors.Is(err, staff.ErrNoSession) {
		t.Fatalf("idle session still valid: %v", err)
	}
	c.add(-31 * time.Minute)
	if _, err := svc.Resolve(ctx, sess.Token); !errors.Is(err, staff.ErrNoSession) {
		t.Fatalf("idle session was not ended: %v", err)
	}
	// the absolute lifetime holds however busy the session is
	sess, _ = svc.Login(ctx, "anna", "anna-passwort-123", "10.1.2.3")
	for i := 0; i <= 10*3; i++ {
		c.add(20 * time.Minute)
		svc.Resolve(ctx, sess.Token)
	}
	if _, err := svc.Resolve(ctx, sess.Token); !errors.Is(err, staff.ErrNoSession) {
		t.Fatalf("session outlived its lifetime: %v", err)
	}
	// logout
	sess, _ = svc.Login(ctx, "anna", "anna-passwort-123", "10.1.2.3")
	if err := svc.Logout(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resolve(ctx, sess.Token); !errors.Is(err, staff.ErrNoSession) {
		t.Fatalf("session survived logout: %v", err)
	}
}

func TestOneTimePassword(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	if err := svc.Save(ctx, staff.Clerk{Login: "ole", DisplayName: "Ole", Role: staff.RoleClerk}, "einmal-123456", true); err != nil {
		t.Fatal(err)
	}
	other, _ := svc.Login(ctx, "ole", "einmal-123456", "10.0.0.1")
	sess, err := svc.Login(ctx, "ole", "einmal-123456", "10.0.0.2")
	if err != nil || !sess.MustChange {
		t.Fatalf("one-time log-in: %+v %v", sess, err)
	}
	if got, _ := svc.Resolve(ctx, sess.Token); !got.MustChange {
		t.Fatal("resolved session lost the restriction")
	}
	for _, c := range []struct {
		current, next string
		want          error
	}{
		{"falsch-123456", "ganz-neues-passwort", staff.ErrCurrentPassword},
		{"einmal-123456", "kurz-12345", staff.ErrNewPasswordShort},
		{"einmal-123456", "            ", staff.ErrNewPasswordShort},
		{"einmal-123456", "  kurz-12345  ", staff.ErrNewPasswordShort},
		{"einmal-123456", "einmal-123456", staff.ErrNewPasswordSame},
	} {
		if err := svc.ChangePassword(ctx, sess, "10.0.0.2", c.current, c.next); err != c.want {
			t.Errorf("change %q→%q: %v, want %v", c.current, c.next, err, c.want)
		}
	}
	if err := svc.ChangePassword(ctx, sess, "10.0.0.2", "einmal-123456", "mein-eigenes-passwort"); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Resolve(ctx, sess.Token); err != nil || got.MustChange {
		t.Fatalf("session after the change: %+v %v", got, err)
	}
	if _, err := svc.Resolve(ctx, other.Token); !errors.Is(err, staff.ErrNoSession) {
		t.Fatalf("the clerk's other session survived the change: %v", err)
	}
	if _, err := svc.Login(ctx, "ole", "einmal-123456", "10.0.0.3"); !errors.Is(err, staff.ErrLogin) {
		t.Fatalf("one-time password still works: %v", err)
	}
	if s, err := svc.Login(ctx, "ole", "mein-eigenes-passwort", "10.0.0.3"); err != nil || s.MustChange {
		t.Fatalf("new password: %+v %v", s, err)
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

// TestLogoutEndsDuty: a clerk who signs out is no longer counted as on
// duty, so citizens do not queue for nobody; one in a consultation keeps it.
func TestLogoutEndsDuty(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	var told []staff.Presence
	svc.OnPresence = func(c staff.Clerk) { told = append(told, c.Presence) }
	for _, c := range []struct {
		before, after staff.Presence
	}{
		{staff.PresenceAvailable, staff.PresenceOffline},
		{staff.PresenceBreak, staff.PresenceOffline},
		{staff.PresenceInConsultation, staff.PresenceInConsultation},
	} {
		if err := svc.Save(ctx, staff.Clerk{Login: "ina", DisplayName: "Ina", Role: staff.RoleClerk}, "ina-passwort-123", false); err != nil {
			t.Fatal(err)
		}
		sess, err := svc.Login(ctx, "ina", "ina-passwort-123", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetPresence(ctx, "ina", c.before); err != nil {
			t.Fatal(err)
		}
		told = nil
		if err := svc.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		got, _ := svc.Clerk(ctx, "ina")
		if got.Presence != c.after {
			t.Errorf("%s, then logout: %s, want %s", c.before, got.Presence, c.after)
		}
		if c.after == staff.PresenceOffline && (len(told) != 1 || told[0] != staff.PresenceOffline) {
			t.Errorf("%s, then logout: the reception was told %v, want [offline]", c.before, told)
		}
		if _, err := svc.Resolve(ctx, sess.Token); err == nil {
			t.Errorf("%s: the session outlived the logout", c.before)
		}
	}
}
