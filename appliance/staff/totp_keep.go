package staff

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp"

	"github.com/buergerbuero/buergerbuero/appliance/onetime"
)

// A second step (after the password) and an enrolment in progress (from
// the QR code to its first code) are kept between requests: in this
// process on one node, in the shared single-use store on several (Share),
// since the next request may reach another node. A step taken and not
// completed (a wrong code, the throttle) is put back until it expires.

const (
	keptPending = "totp-pending"
	keptEnrol   = "totp-enrol"
	// enrolTTL bounds an enrolment between its start and its first code.
	enrolTTL = time.Hour
	// keptMax bounds what one node keeps in memory.
	keptMax = 20000
)

type keeper struct{ onetime.Store }

// Share keeps second steps and enrolments in progress in st from now on,
// where every node finds them.
func (s *Service) Share(st onetime.Store) { s.keep.Store(&keeper{st}) }

func newKeep() *atomic.Pointer[keeper] {
	var p atomic.Pointer[keeper]
	p.Store(&keeper{onetime.NewMemory(keptMax)})
	return &p
}

func (s *Service) kept() onetime.Store { return s.keep.Load().Store }

// keptTOTP is what is kept of a second step (Login) or an enrolment (URL,
// the otpauth URL holding its secret).
type keptTOTP struct {
	Login   string    `json:",omitempty"`
	URL     string    `json:",omitempty"`
	Expires time.Time // the step's or enrolment's own end
}

func (s *Service) put(ctx context.Context, kind, hash string, v keptTOTP) error {
	body, _ := json.Marshal(v)
	// the store expires by the wall clock, the service by its own (tests)
	expires := time.Now().Add(v.Expires.Sub(s.now()))
	if err := s.kept().PutSingleUse(ctx, kind, hash, body, expires); err != nil {
		return fmt.Errorf("keep %s: %w", kind, err)
	}
	return nil
}

// take returns what is kept under hash and removes it; false if nothing
// (or only something expired) is.
func (s *Service) take(ctx context.Context, kind, hash string) (keptTOTP, bool, error) {
	body, err := s.kept().TakeSingleUse(ctx, kind, hash)
	if err != nil {
		return keptTOTP{}, false, fmt.Errorf("read %s: %w", kind, err)
	}
	var v keptTOTP
	if body == nil || json.Unmarshal(body, &v) != nil || s.now().After(v.Expires) {
		return keptTOTP{}, false, nil
	}
	return v, true, nil
}

func enrolHash(login string) string { return HashToken("enrol\x00" + login) }

// takeEnrol returns login's enrolment in progress (nil if none) and
// removes it; put it back with putEnrol unless it ends.
func (s *Service) takeEnrol(ctx context.Context, login string) (*otp.Key, time.Time, error) {
	v, ok, err := s.take(ctx, keptEnrol, enrolHash(login))
	if err != nil || !ok {
		return nil, time.Time{}, err
	}
	k, err := otp.NewKeyFromURL(v.URL)
	if err != nil {
		return nil, time.Time{}, nil
	}
	return k, v.Expires, nil
}

func (s *Service) putEnrol(ctx context.Context, login string, k *otp.Key, expires time.Time) error {
	return s.put(ctx, keptEnrol, enrolHash(login), keptTOTP{URL: k.URL(), Expires: expires})
}
