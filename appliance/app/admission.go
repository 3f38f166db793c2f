package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
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
// WebSocket), so it is opaque: 128 random bits that name nobody, kept
// here with their grant and void once used or expired. It implements
// web.Media and sfu.Authorizer.
type Media struct {
	SFU       *sfu.SFU
	publicURL string

	mu     sync.Mutex
	grants map[string]sfu.Grant // key → grant, until used or expired
}

var (
	_ web.Media      = (*Media)(nil)
	_ sfu.Authorizer = (*Media)(nil)
)

// NewMedia creates the adapter (keys do not survive a restart; they live
// two minutes anyway).
func NewMedia(publicURL string) *Media {
	return &Media{publicURL: strings.TrimRight(publicURL, "/"), grants: map[string]sfu.Grant{}}
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
	b := make([]byte, 16)
	rand.Read(b)
	key := base64.RawURLEncoding.EncodeToString(b)
	g.Expires = time.Now().Add(admissionTTL)
	m.mu.Lock()
	now := time.Now()
	for k, old := range m.grants {
		if now.After(old.Expires) {
			delete(m.grants, k)
		}
	}
	m.grants[key] = g
	m.mu.Unlock()
	u, _ := url.Parse(m.publicURL)
	scheme := "wss"
	if u.Scheme == "http" {
		scheme = "ws"
	}
	return web.MediaGrant{SignalURL: scheme + "://" + u.Host + "/sfu?access_token=" + url.QueryEscape(key), Token: key, ICEServers: m.SFU.ICEServers(g)}, nil
}

var errAdmission = errors.New("invalid or expired admission key")

// Authorize redeems a key once: unknown, used or expired keys are refused.
func (m *Media) Authorize(_ context.Context, key string) (sfu.Grant, error) {
	m.mu.Lock()
	g, ok := m.grants[key]
	delete(m.grants, key)
	m.mu.Unlock()
	if !ok || time.Now().After(g.Expires) {
		return sfu.Grant{}, errAdmission
	}
	return g, nil
}

// Handler serves the SFU's signalling WebSocket.
func (m *Media) Handler() http.Handler { return m.SFU.Handler() }

// CloseRoom disconnects everybody from a room.
func (m *Media) CloseRoom(room string) { m.SFU.CloseRoom(room) }

// Kick disconnects one participant's media from a room (a host removed
// them from a permanent room).
func (m *Media) Kick(room, identity string) { m.SFU.Kick(room, identity) }

// Mute stops (or resumes) forwarding a participant's audio in a room.
func (m *Media) Mute(room, identity string, muted bool) { m.SFU.Mute(room, identity, muted) }
