package staff_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// TestTOTPStepsOnAnotherNode: with two nodes sharing the single-use store,
// an enrolment shown on node A is confirmed on node B, and the code asked
// after the password on A is entered on B; a wrong code there leaves the
// step open for the right one. Nodes that keep these in their own memory
// (the old behaviour) do not know each other's steps.
func TestTOTPStepsOnAnotherNode(t *testing.T) {
	ctx := context.Background()
	a, db, c := newService(t)
	b := staff.NewService(db, testPolicy)
	b.SetClock(c.now)
	code := func(secret string) string {
		t.Helper()
		s, err := totp.GenerateCode(secret, c.now())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	passwordOn := func(s *staff.Service) string {
		t.Helper()
		_, err := s.Login(ctx, "anna", "anna-passwort-123", "192.0.2.1")
		sf, ok := errors.AsType[*staff.SecondFactorError](err)
		if !ok {
			t.Fatalf("password of an enrolled account: %v, want the second step", err)
		}
		return sf.Pending
	}

	enrol, err := a.StartTOTP(ctx, "anna", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ConfirmTOTP(ctx, "anna", code(enrol.Secret), "192.0.2.1"); !errors.Is(err, staff.ErrTOTPExpired) {
		t.Fatalf("separate nodes: the enrolment confirmed on B: %v, want it unknown there", err)
	}
	a.Share(db)
	b.Share(db)
	if enrol, err = a.StartTOTP(ctx, "anna", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.ConfirmTOTP(ctx, "anna", "000000", "192.0.2.1"); !errors.Is(err, staff.ErrTOTPCode) {
		t.Fatalf("a wrong code on B: %v, want totp_wrong", err)
	}
	if err := b.ConfirmTOTP(ctx, "anna", code(enrol.Secret), "192.0.2.1"); err != nil {
		t.Fatalf("the enrolment begun on A, confirmed on B: %v", err)
	}

	c.add(30 * time.Second) // a code of a new step
	pending := passwordOn(a)
	if _, err := b.VerifyTOTP(ctx, pending, "000000", "192.0.2.1"); !errors.Is(err, staff.ErrTOTPCode) {
		t.Fatalf("a wrong code on B: %v, want totp_wrong", err)
	}
	sess, err := b.VerifyTOTP(ctx, pending, code(enrol.Secret), "192.0.2.1")
	if err != nil || sess.Token == "" {
		t.Fatalf("the password on A, the code on B: %+v, %v", sess, err)
	}
	if _, err := a.VerifyTOTP(ctx, pending, code(enrol.Secret), "192.0.2.1"); !errors.Is(err, staff.ErrTOTPExpired) {
		t.Fatalf("the completed step used again on A: %v, want it gone", err)
	}
}
