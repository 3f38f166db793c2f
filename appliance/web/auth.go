package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"net/http"
	"net/url"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

const sessionCookie = "__Host-bb_session"

type ctxKey int

const (
	keyActor ctxKey = iota
	keySession
)

// staffIdentity resolves who is calling a staff endpoint: a browser
// session (cookie; CSRF token required on changes) or a service client
// (bearer token; X-Act-As names the clerk it acts for). Staff credentials
// from outside the staff networks are refused. A session opened with a
// one-time password is returned with MustChange set; see staffAuth.
func (s *Server) staffIdentity(r *http.Request) (reception.Actor, *staff.Session, error) {
	if name := s.serviceClient(r); name != "" {
		if !s.inStaffNetwork(r) {
			return reception.Actor{}, nil, errStaffNetwork
		}
		login := r.Header.Get("X-Act-As")
		if login == "" {
			// read-only service identity: sees every office
			return reception.Actor{Clerk: staff.Clerk{Login: "", Role: staff.RoleAdmin, DisplayName: name}, Via: name}, nil, nil
		}
		c, err := s.staff.Clerk(r.Context(), login)
		if err != nil || s.staff.IsDisabled(r.Context(), login) {
			return reception.Actor{}, nil, problem.New(problem.KindForbidden, "unknown_clerk")
		}
		return reception.Actor{Clerk: c, Via: name}, nil, nil
	}
	if r.Header.Get("Authorization") != "" {
		return reception.Actor{}, nil, problem.Unauthorized
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return reception.Actor{}, nil, problem.Unauthorized
	}
	if !s.inStaffNetwork(r) {
		return reception.Actor{}, nil, errStaffNetwork
	}
	sess, err := s.staff.Resolve(r.Context(), c.Value)
	if err == nil {
		err = s.ssoCheck(r.Context(), &sess)
	}
	if err != nil {
		return reception.Actor{}, nil, problem.Unauthorized
	}
	return reception.Actor{Clerk: sess.Clerk}, &sess, nil
}

// staffAuth is staffIdentity for everything but setting a new password and
// logging out: a session with a one-time password is refused.
func (s *Server) staffAuth(r *http.Request) (reception.Actor, *staff.Session, error) {
	a, sess, err := s.staffIdentity(r)
	if err == nil && sess != nil && sess.MustChange {
		return reception.Actor{}, nil, staff.ErrPasswordChangeRequired
	}
	if err == nil && sess != nil && sess.MustEnrol {
		return reception.Actor{}, nil, staff.ErrTOTPEnrolRequired
	}
	return a, sess, err
}

// staffOnly guards a staff API endpoint: staff networks, a full session or
// a service client, and mayChange.
func (s *Server) staffOnly(h http.HandlerFunc) http.HandlerFunc { return s.staffGuard(s.staffAuth, h) }

// staffSignedIn is staffOnly that also admits a session with a one-time
// password (logout, new password).
func (s *Server) staffSignedIn(h http.HandlerFunc) http.HandlerFunc {
	return s.staffGuard(s.staffIdentity, h)
}

func (s *Server) staffGuard(auth func(*http.Request) (reception.Actor, *staff.Session, error), h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.inStaffNetwork(r) {
			s.writeProblem(w, r, errStaffNetwork)
			return
		}
		a, sess, err := auth(r)
		if err == nil {
			err = mayChange(r, a, sess)
		}
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), keyActor, a)
		ctx = context.WithValue(ctx, keySession, sess)
		h(w, r.WithContext(ctx))
	}
}

var errActAs = problem.New(problem.KindForbidden, "act_as_required")

// mayChange checks a staff request that changes something: a browser
// session needs the CSRF token and a same-origin request, a service client
// must act for a clerk (X-Act-As). Reads pass.
func mayChange(r *http.Request, a reception.Actor, sess *staff.Session) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	if sess != nil && (!sameOrigin(r) || !constantEq(r.Header.Get("X-CSRF-Token"), sess.CSRF)) {
		return errCSRF
	}
	if a.Clerk.Login == "" {
		return errActAs
	}
	return nil
}

func actorOf(r *http.Request) reception.Actor {
	a, _ := r.Context().Value(keyActor).(reception.Actor)
	return a
}

func sessionOf(r *http.Request) *staff.Session {
	s, _ := r.Context().Value(keySession).(*staff.Session)
	return s
}

// sameOrigin checks Origin (or Sec-Fetch-Site) against the request host.
func sameOrigin(r *http.Request) bool {
	// Browsers send Sec-Fetch-Site; it is authoritative where present.
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	o := r.Header.Get("Origin")
	if o == "" {
		// not a browser (CLI, bridge): no ambient cookies to abuse
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func constantEq(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (s *Server) setSession(w http.ResponseWriter, sess staff.Session) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Expires: sess.Expires})
}

func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1, Expires: time.Unix(0, 0)})
}

// roomMember resolves any member of a room: staff (session or service),
// the admitted citizen (X-Ticket + bearer ticket token; WebSockets get both
// from a stream key), or an external participant (bearer participant
// token).
func (s *Server) roomMember(r *http.Request, room string) (consultation.Room, consultation.Member, error) {
	if a, sess, err := s.staffAuth(r); err == nil {
		if err := mayChange(r, a, sess); err != nil {
			return consultation.Room{}, consultation.Member{}, err
		}
		return s.rec.Rooms.RoomForClerk(r.Context(), a, room)
	} else if errors.Is(err, errStaffNetwork) || errors.Is(err, staff.ErrPasswordChangeRequired) || errors.Is(err, staff.ErrTOTPEnrolRequired) {
		return consultation.Room{}, consultation.Member{}, err
	}
	tok := ticketToken(r)
	if tok == "" {
		return consultation.Room{}, consultation.Member{}, problem.Unauthorized
	}
	if ticket := r.Header.Get("X-Ticket"); ticket != "" {
		return s.rec.Rooms.RoomForCitizen(r.Context(), room, ticket, tok)
	}
	return s.rec.Rooms.RoomForParticipant(r.Context(), room, tok)
}
