package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/onetime"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Browsers cannot set headers on a WebSocket, and a ticket or participant
// token in the URL would end up in proxy logs. So a browser first asks for
// a stream key with its token in the Authorization header
// (POST /api/v1/stream-keys {"stream": "/api/v1/tickets/ID/events"}) and
// then opens the WebSocket with ?stream_key=KEY. A key opens one stream
// path, once, within streamKeyTTL; the upgrade then runs with the
// credentials the key was issued for, so access withdrawn in between is
// still refused. Staff browsers use their session cookie and need no key;
// clients that can set headers (the bridge) send Authorization directly.

const (
	streamKeyParam = "stream_key"
	streamKeyTTL   = 30 * time.Second
)

var (
	errStreamKey      = problem.New(problem.KindUnauthorized, "stream_key_invalid")
	errStreamUnknown  = problem.Invalid("stream", "no_stream", nil)
	errStreamKeysFull = problem.New(problem.KindFull, "busy")
)

type streamKey struct {
	Path   string `json:"path"`
	Auth   string `json:"auth"`             // Authorization header the key was issued for
	Ticket string `json:"ticket,omitempty"` // X-Ticket header (a citizen in a room), if any
}

// streamKeys holds the unredeemed keys; each is used once. With several
// nodes they are in the shared database (Options.SingleUse), so a key
// issued by one node opens a stream on any other.
type streamKeys struct {
	keys *onetime.Keys
}

func (k *streamKeys) issue(ctx context.Context, sk streamKey) (string, error) {
	body, err := json.Marshal(sk)
	if err != nil {
		return "", err
	}
	key, err := k.keys.Issue(ctx, body, streamKeyTTL)
	if errors.Is(err, onetime.ErrFull) {
		return "", errStreamKeysFull
	}
	return key, err
}

// redeem takes the request's key out of the set and puts the credentials
// it was issued for into the request's headers.
func (k *streamKeys) redeem(r *http.Request) error {
	q := r.URL.Query()
	body, err := k.keys.Redeem(r.Context(), q.Get(streamKeyParam))
	if errors.Is(err, onetime.ErrInvalid) {
		return errStreamKey
	}
	if err != nil {
		return err
	}
	var sk streamKey
	if json.Unmarshal(body, &sk) != nil || sk.Path != r.URL.Path {
		return errStreamKey
	}
	r.Header.Set("Authorization", sk.Auth)
	if sk.Ticket != "" {
		r.Header.Set("X-Ticket", sk.Ticket)
	}
	q.Del(streamKeyParam)
	r.URL.RawQuery = q.Encode()
	return nil
}

type streamKeyBody struct {
	Stream string `json:"stream"`
}

// apiStreamKey issues a stream key after checking that the caller may
// open the stream now, so a browser learns "no access" as a status code
// rather than as a failed WebSocket.
func (s *Server) apiStreamKey(w http.ResponseWriter, r *http.Request) {
	var b streamKeyBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	auth := r.Header.Get("Authorization")
	if ticketToken(r) == "" {
		s.writeProblem(w, r, problem.Unauthorized)
		return
	}
	u, err := url.Parse(b.Stream)
	if err != nil || u.RawQuery != "" || u.Host != "" {
		s.writeProblem(w, r, errStreamUnknown)
		return
	}
	if err := s.mayStream(r, u.Path); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	exp := time.Now().Add(streamKeyTTL)
	key, err := s.streamKeys.issue(r.Context(), streamKey{Path: u.Path, Auth: auth, Ticket: r.Header.Get("X-Ticket")})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"key": key, "expires_at": exp.UTC().Format(time.RFC3339)})
}

// mayStream checks the caller's access to a citizen or room stream.
func (s *Server) mayStream(r *http.Request, path string) error {
	if ok, err := s.mayStreamEvent(r, path); ok {
		return err
	}
	parts := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")
	if len(parts) != 3 || parts[2] != "events" || parts[1] == "" {
		return errStreamUnknown
	}
	id, err := url.PathUnescape(parts[1])
	if err != nil {
		return errStreamUnknown
	}
	switch parts[0] {
	case "tickets":
		_, err = s.rec.TicketView(r.Context(), id, ticketToken(r))
		return err
	case "rooms":
		room, m, err := s.roomMember(r, id)
		if err == nil && room.Kind == consultation.KindPermanent && s.opt.Permanent != nil && s.opt.Permanent.Full(room.ID, m.Identity) {
			return permanent.ErrFull
		}
		return err
	}
	return errStreamUnknown
}
