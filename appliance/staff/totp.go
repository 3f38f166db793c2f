package staff

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// TOTP second factor of local accounts (RFC 6238, 30-second steps, six
// digits). Directory accounts (OIDC, LDAP) never get one here: their
// provider does its own second factor.
//
//   - Sign-in: a correct password of an enrolled account opens no session
//     but a pending second step (server-side, TOTPPendingTTL, bound to the
//     account) that VerifyTOTP completes with a current code.
//   - A code is valid once: the step it was accepted for is stored, and
//     that step and older ones are refused afterwards (no replay).
//   - Wrong codes are throttled like wrong passwords (same throttle).
//   - A local account whose role is in Policy.TOTPRoles and which has no
//     TOTP enrolled gets sessions with MustEnrol: they may only enrol.

// TOTPPendingTTL is how long the second step may follow the password.
const TOTPPendingTTL = 5 * time.Minute

// totpSkew accepts a code of the previous and the next step too (clock
// drift between the clerk's phone and the appliance).
const totpSkew = 1

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Errors of the second factor.
var (
	ErrTOTPCode = &problem.Error{Kind: problem.KindUnauthorized, Code: "totp_wrong", Field: "code"}
	// ErrTOTPExpired: the pending second step is unknown or too old; sign in again.
	ErrTOTPExpired = problem.New(problem.KindUnauthorized, "totp_expired")
	// ErrTOTPEnrolRequired refuses everything but enrolment (and log-out)
	// to a session whose role requires TOTP and which has none.
	ErrTOTPEnrolRequired = problem.New(problem.KindForbidden, "totp_enrol_required")
	// ErrTOTPNotLocal: only local accounts enrol here.
	ErrTOTPNotLocal = problem.New(problem.KindForbidden, "totp_not_local")
)

// SecondFactorError is Login's answer for an enrolled account with the
// right password: Pending names the second step for VerifyTOTP.
type SecondFactorError struct{ Pending string }

func (e *SecondFactorError) Error() string { return "totp required" }

// Unwrap gives the problem an API client sees.
func (e *SecondFactorError) Unwrap() error {
	return problem.New(problem.KindUnauthorized, "totp_required")
}

// totpStore is what the second factor needs persisted (store.DB).
type totpStore interface {
	// SetTOTP replaces a clerk's secret ("" removes it) and resets the
	// last used step.
	SetTOTP(ctx context.Context, login, secret string) error
	// UseTOTPStep records step as used if it is newer than the last used
	// one; false if it is not (a replay).
	UseTOTPStep(ctx context.Context, login string, step int64) (bool, error)
}

func (s *Service) totps() totpStore {
	t, _ := s.store.(totpStore)
	return t
}

// mustEnrol reports whether a local account's role requires a second
// factor it lacks.
func (s *Service) mustEnrol(a Account) bool {
	return a.PasswordHash != "" && a.TOTPSecret == "" && slices.Contains(s.policy.TOTPRoles, a.Role)
}

// secondStep opens the pending second step for an account.
func (s *Service) secondStep(ctx context.Context, login string) error {
	tok := RandomToken(24)
	if err := s.put(ctx, keptPending, HashToken(tok), keptTOTP{Login: login, Expires: s.now().Add(TOTPPendingTTL)}); err != nil {
		return err
	}
	return &SecondFactorError{Pending: tok}
}

// matchStep returns the step code is valid for near now, or 0.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0
	}
	step := now.Unix() / int64(totpOpts.Period)
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		at := time.Unix((step+d)*int64(totpOpts.Period), 0)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return 0
}

// useCode checks a code against secret and records its step; a code of
// an already used (or older) step is refused like a wrong one.
func (s *Service) useCode(ctx context.Context, login, secret, code string) error {
	step := matchStep(secret, code, s.now())
	if step == 0 {
		return ErrTOTPCode
	}
	ok, err := s.totps().UseTOTPStep(ctx, login, step)
	if err != nil {
		return err
	}
	if !ok {
		return ErrTOTPCode
	}
	return nil
}

// VerifyTOTP completes a sign-in with the code of the second step pending
// under token; throttled like Login. A pending step survives a wrong code
// (until it expires) so a mistyped code can be retried.
func (s *Service) VerifyTOTP(ctx context.Context, pending, code, addr string) (Session, error) {
	if pending == "" {
		return Session{}, ErrTOTPExpired
	}
	key := HashToken(pending)
	p, ok, err := s.take(ctx, keptPending, key)
	if err != nil {
		return Session{}, err
	}
	if !ok {
		return Session{}, ErrTOTPExpired
	}
	// the step stays open for another try unless a code completes it
	keep := func(err error) (Session, error) {
		if perr := s.put(ctx, keptPending, key, p); perr != nil {
			return Session{}, perr
		}
		return Session{}, err
	}
	if wait := s.throttle.admit(p.Login, addr, s.now()); wait > 0 {
		return keep(&ThrottledError{Wait: wait})
	}
	a, err := s.store.Account(ctx, p.Login)
	if err != nil || a.TOTPSecret == "" || s.totps() == nil {
		s.throttle.succeeded(p.Login, addr)
		return Session{}, ErrTOTPExpired
	}
	if err := s.useCode(ctx, a.Login, a.TOTPSecret, code); err != nil {
		if errors.Is(err, ErrTOTPCode) {
			s.throttle.failed(p.Login, addr, s.now())
		} else {
			s.throttle.succeeded(p.Login, addr)
		}
		return keep(err)
	}
	s.throttle.succeeded(p.Login, addr)
	return s.openSession(ctx, a)
}

// TOTPEnrolment is an enrolment in progress.
type TOTPEnrolment struct {
	Secret string // base32, to type into an authenticator app
	URL    string // otpauth:// URL (the QR code's content)
}

// StartTOTP begins (or continues) the enrolment of a local clerk: the
// secret is kept server-side until ConfirmTOTP.
func (s *Service) StartTOTP(ctx context.Context, login, issuer string) (TOTPEnrolment, error) {
	if s.totps() == nil || !s.Local(ctx, login) {
		return TOTPEnrolment{}, ErrTOTPNotLocal
	}
	if issuer == "" {
		issuer = "Bürgerbüro"
	}
	k, expires, err := s.takeEnrol(ctx, login)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if k == nil {
		if k, err = totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: login}); err != nil {
			return TOTPEnrolment{}, fmt.Errorf("totp key: %w", err)
		}
		expires = s.now().Add(enrolTTL)
	}
	if err := s.putEnrol(ctx, login, k, expires); err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: k.Secret(), URL: k.URL()}, nil
}

// TOTPQRCode renders the pending enrolment's key as a PNG QR code.
func (s *Service) TOTPQRCode(ctx context.Context, login string) ([]byte, error) {
	k, expires, err := s.takeEnrol(ctx, login)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, ErrTOTPExpired
	}
	if err := s.putEnrol(ctx, login, k, expires); err != nil {
		return nil, err
	}
	img, err := k.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = png.Encode(&b, img)
	return b.Bytes(), err
}

// ConfirmTOTP ends an enrolment with a current code (throttled like a
// log-in); the code counts as used.
func (s *Service) ConfirmTOTP(ctx context.Context, login, code, addr string) error {
	if s.totps() == nil {
		return ErrTOTPExpired
	}
	k, expires, err := s.takeEnrol(ctx, login)
	if err != nil {
		return err
	}
	if k == nil {
		return ErrTOTPExpired
	}
	// the enrolment stays open for another try unless a code completes it
	keep := func(err error) error {
		if perr := s.putEnrol(ctx, login, k, expires); perr != nil {
			return perr
		}
		return err
	}
	if wait := s.throttle.admit(login, addr, s.now()); wait > 0 {
		return keep(&ThrottledError{Wait: wait})
	}
	step := matchStep(k.Secret(), code, s.now())
	if step == 0 {
		s.throttle.failed(login, addr, s.now())
		return keep(ErrTOTPCode)
	}
	s.throttle.succeeded(login, addr)
	if err := s.totps().SetTOTP(ctx, login, k.Secret()); err != nil {
		return err
	}
	if _, err := s.totps().UseTOTPStep(ctx, login, step); err != nil {
		return err
	}
	s.audit(ctx, login, "totp_enrolled", "")
	return nil
}

// ResetTOTP removes a clerk's second factor (break-glass, admin CLI); the
// clerk's sessions end. Its role may then require a new enrolment.
func (s *Service) ResetTOTP(ctx context.Context, login string) error {
	if _, err := s.store.Account(ctx, login); err != nil {
		return err
	}
	if s.totps() == nil {
		return errors.New("store keeps no TOTP")
	}
	if err := s.totps().SetTOTP(ctx, login, ""); err != nil {
		return err
	}
	if err := s.store.DeleteSessions(ctx, login, ""); err != nil {
		return err
	}
	s.audit(ctx, "admin", "totp_reset", login)
	return nil
}

// HasTOTP reports whether a clerk has a second factor enrolled.
func (s *Service) HasTOTP(ctx context.Context, login string) bool {
	a, err := s.store.Account(ctx, login)
	return err == nil && a.TOTPSecret != ""
}
