package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/web"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// admissionTTL is how long a media admission token may be used to connect;
// the browser uses it at once.
const admissionTTL = 2 * time.Minute

// Media connects the reception to the embedded SFU: it issues short-lived,
// single-use admission tokens (HMAC-SHA256, bound to one room, identity and
// role) and checks them when the browser connects to the signalling
// endpoint. It implements web.Media and sfu.Authorizer.
type Media struct {
	SFU       *sfu.SFU
	key       []byte
	publicURL string

	mu   sync.Mutex
	used map[string]time.Time // nonce → expiry, for single use
}

var (
	_ web.Media      = (*Media)(nil)
	_ sfu.Authorizer = (*Media)(nil)
)

// NewMedia creates the adapter with a fresh random key (tokens do not
// survive a restart; they live two minutes anyway).
func NewMedia(publicURL string) *Media {
	key := make([]byte, 32)
	rand.Read(key)
	return &Media{key: key, publicURL: strings.TrimRight(publicURL, "/"), used: map[string]time.Time{}}
}

type admission struct {
	Room     string `json:"r"`
	Identity string `json:"i"`
	Name     string `json:"n"`
	Role     string `json:"o"`
	Expires  int64  `json:"e"`
	Nonce    string `json:"x"`
}

func roleOf(r string) sfu.Role {
	switch r {
	case "clerk":
		return sfu.RoleClerk
	case "citizen":
		return sfu.RoleCitizen
	case "interpreter", "guest":
		return sfu.RoleInterpreter
	case "viewer":
		return sfu.RoleViewer
	}
	return sfu.RoleUnknown
}

// Grant issues an admission token for one room and role.
func (m *Media) Grant(room, identity, name, role string) (web.MediaGrant, error) {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	a := admission{Room: room, Identity: identity, Name: name, Role: role, Expires: time.Now().Add(admissionTTL).Unix(),
		Nonce: base64.RawURLEncoding.EncodeToString(nonce)}
	body, _ := json.Marshal(a)
	payload := base64.RawURLEncoding.EncodeToString(body)
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(payload))
	token := payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	u, _ := url.Parse(m.publicURL)
	scheme := "wss"
	if u.Scheme == "http" {
		scheme = "ws"
	}
	g := sfu.Grant{Room: room, Identity: identity, DisplayName: name, Role: roleOf(role), Expires: time.Unix(a.Expires, 0)}
	return web.MediaGrant{SignalURL: scheme + "://" + u.Host + "/sfu?access_token=" + url.QueryEscape(token), Token: token, ICEServers: m.SFU.ICEServers(g)}, nil
}

var errAdmission = errors.New("invalid or expired admission token")

// Authorize checks a token once: signature, expiry and that it was not
// used before.
func (m *Media) Authorize(_ context.Context, token string) (sfu.Grant, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return sfu.Grant{}, errAdmission
	}
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(payload))
	want := mac.Sum(nil)
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return sfu.Grant{}, errAdmission
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return sfu.Grant{}, errAdmission
	}
	var a admission
	if json.Unmarshal(body, &a) != nil {
		return sfu.Grant{}, errAdmission
	}
	now := time.Now()
	exp := time.Unix(a.Expires, 0)
	if now.After(exp) {
		return sfu.Grant{}, errAdmission
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for n, e := range m.used {
		if now.After(e) {
			delete(m.used, n)
		}
	}
	if _, seen := m.used[a.Nonce]; seen {
		return sfu.Grant{}, errAdmission
	}
	m.used[a.Nonce] = exp
	return sfu.Grant{Room: a.Room, Identity: a.Identity, DisplayName: a.Name, Role: roleOf(a.Role), Expires: exp}, nil
}

// Handler serves the SFU's signalling WebSocket.
func (m *Media) Handler() http.Handler { return m.SFU.Handler() }

// CloseRoom disconnects everybody from a room.
func (m *Media) CloseRoom(room string) { m.SFU.CloseRoom(room) }
