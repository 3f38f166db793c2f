package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/onetime"
	"github.com/buergerbuero/buergerbuero/appliance/placement"
	"github.com/buergerbuero/buergerbuero/appliance/web"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// admissionTTL is how long a media admission key may be used to connect;
// the browser uses it at once.
const admissionTTL = 2 * time.Minute

// Media connects the reception to the embedded SFU: it issues short-lived,
// single-use admission keys (bound to one room, identity and role) and
// checks them when the browser connects to the signalling endpoint. The
// key travels in the signalling URL (browsers cannot set headers on a
// WebSocket), so it is opaque: random bits that name nobody, kept with
// their sealed grant (appliance/onetime) and void once used or expired;
// with several nodes in the shared database (Share), so any node admits.
// It implements web.Media and sfu.Authorizer.
type Media struct {
	SFU       *sfu.SFU
	publicURL string

	keys atomic.Pointer[onetime.Keys]
	// router places each room's media on a node (appliance/placement);
	// unset, every room is on this node at publicURL.
	router atomic.Pointer[placed]
}

type placed struct{ r placement.Router }

// admissionIO bounds the database's part in issuing or redeeming a key.
const admissionIO = 5 * time.Second

var (
	_ web.Media      = (*Media)(nil)
	_ sfu.Authorizer = (*Media)(nil)
)

// NewMedia creates the adapter, with its keys in this process (they do
// not survive a restart; they live two minutes anyway).
func NewMedia(publicURL string) *Media {
	m := &Media{publicURL: strings.TrimRight(publicURL, "/")}
	m.keys.Store(onetime.New(nil, "media"))
	return m
}

// Share keeps the admission keys in s from now on, where every node of a
// cluster redeems them.
func (m *Media) Share(s onetime.Store) { m.keys.Store(onetime.New(s, "media")) }

// Place asks r from now on which node carries a room: the signalling URL
// of an admission points there.
func (m *Media) Place(r placement.Router) { m.router.Store(&placed{r}) }

// Participants is how many are connected to this node's SFU (its load).
func (m *Media) Participants() int { return m.SFU.Participants() }

// signalBase is the public address of the node that carries room, and
// whether the room was placed among several nodes.
func (m *Media) signalBase(ctx context.Context, room string) (base string, placed bool, err error) {
	p := m.router.Load()
	if p == nil {
		return m.publicURL, false, nil
	}
	n, err := p.r.NodeForRoom(ctx, room)
	if err != nil {
		return "", false, fmt.Errorf("media placement: %w", err)
	}
	return strings.TrimRight(n.URL, "/"), true, nil
}
func roleOf(r string) sfu.Role {
	switch r {
	case "clerk", "speaker": // an event's speaker publishes like a clerk
		return sfu.RoleClerk
	case "citizen":
		return sfu.RoleCitizen
	case consultation.RoleInterpreter, consultation.RoleSignInterpreter, consultation.RoleWrittenInterpreter,
		consultation.RoleGuardian, consultation.RoleLawyer, consultation.RoleAuthority, consultation.RoleGuest:
		return sfu.RoleInterpreter
	case "viewer":
		return sfu.RoleViewer
	}
	return sfu.RoleUnknown
}

// Grant issues an admission key for one room and role.
func (m *Media) Grant(room, identity, name, role string) (web.MediaGrant, error) {
	return m.grant(sfu.Grant{Room: room, Identity: identity, DisplayName: name, Role: roleOf(role)})
}

// GrantMember issues an admission key for a room's member: its role, and
// the kinds its rights do not allow it to publish.
func (m *Media) GrantMember(room string, mem consultation.Member) (web.MediaGrant, error) {
	return m.grant(sfu.Grant{Room: room, Identity: mem.Identity, DisplayName: mem.Name, Role: roleOf(mem.Role), Withhold: withheld(mem.Rights)})
}

// withheld are the media kinds rights do not allow.
func withheld(r consultation.Rights) sfu.Kinds {
	var k sfu.Kinds
	if !r.Microphone {
		k |= sfu.KindAudio
	}
	if !r.Camera {
		k |= sfu.KindVideo
	}
	if !r.Screen {
		k |= sfu.KindScreen
	}
	return k
}

func (m *Media) grant(g sfu.Grant) (web.MediaGrant, error) {
	g.Expires = time.Now().Add(admissionTTL)
	body, err := json.Marshal(g)
	if err != nil {
		return web.MediaGrant{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), admissionIO)
	defer cancel()
	key, err := m.keys.Load().Issue(ctx, body, admissionTTL)
	if err != nil {
		return web.MediaGrant{}, fmt.Errorf("media admission: %w", err)
	}
	base, placed, err := m.signalBase(ctx, g.Room)
	if err != nil {
		return web.MediaGrant{}, err
	}
	u, _ := url.Parse(base)
	scheme := "wss"
	if u.Scheme == "http" {
		scheme = "ws"
	}
	// on several nodes the TURN server is the room's node's (it relays to
	// its own SFU only), under that node's name; the cluster's TURN
	// secret makes this node's credentials valid there
	turnHost := ""
	if placed {
		turnHost = u.Hostname()
	}
	return web.MediaGrant{SignalURL: scheme + "://" + u.Host + "/sfu?access_token=" + url.QueryEscape(key), Token: key, ICEServers: m.SFU.ICEServersAt(g, turnHost)}, nil
}

var errAdmission = errors.New("invalid or expired admission key")

// Authorize redeems a key once: unknown, used or expired keys are refused.
func (m *Media) Authorize(ctx context.Context, key string) (sfu.Grant, error) {
	body, err := m.keys.Load().Redeem(ctx, key)
	if errors.Is(err, onetime.ErrInvalid) {
		return sfu.Grant{}, errAdmission
	}
	if err != nil {
		return sfu.Grant{}, err
	}
	var g sfu.Grant
	if err := json.Unmarshal(body, &g); err != nil || time.Now().After(g.Expires) {
		return sfu.Grant{}, errAdmission
	}
	return g, nil
}

// Handler serves the SFU's signalling WebSocket.
func (m *Media) Handler() http.Handler { return m.SFU.Handler() }

// CloseRoom disconnects everybody from a room; its placement is
// forgotten (in the background: the registry is in the database).
func (m *Media) CloseRoom(room string) {
	m.SFU.CloseRoom(room)
	if p := m.router.Load(); p != nil {
		if f, ok := p.r.(interface {
			Forget(context.Context, string) error
		}); ok {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), admissionIO)
				defer cancel()
				f.Forget(ctx, room)
			}()
		}
	}
}

// Kick disconnects one participant's media from a room (a host removed
// them from a permanent room).
func (m *Media) Kick(room, identity string) { m.SFU.Kick(room, identity) }

// Mute stops (or resumes) forwarding a participant's audio in a room.
func (m *Media) Mute(room, identity string, muted bool) { m.SFU.Mute(room, identity, muted) }
