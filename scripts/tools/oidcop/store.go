package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// user is a test account. Groups go into the "groups" claim, Roles into
// Keycloak's "realm_access": {"roles": [...]}.
type user struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Name     string   `json:"name"`
	Groups   []string `json:"groups"`
	Roles    []string `json:"roles"`
}

// users is the provider's mutable user list (storage.UserStore).
type users struct {
	mu sync.Mutex
	m  map[string]user
}

func (u *users) put(x user) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.m[x.ID] = x
}

func (u *users) get(id string) (user, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	x, ok := u.m[id]
	return x, ok
}

func (u *users) GetUserByID(id string) *storage.User {
	x, ok := u.get(id)
	if !ok {
		return nil
	}
	return &storage.User{ID: x.ID, Username: x.Username, Password: x.Password, FirstName: x.Name, EmailVerified: true}
}

func (u *users) GetUserByUsername(name string) *storage.User {
	u.mu.Lock()
	id := ""
	for _, x := range u.m {
		if x.Username == name {
			id = x.ID
		}
	}
	u.mu.Unlock()
	return u.GetUserByID(id)
}

func (u *users) ExampleClientID() string { return storage.ServiceUserID }

// store is zitadel's example storage with mutable users and clients, group
// and role claims in the ID token and at userinfo, and provider sessions
// that end-session terminates.
type store struct {
	*storage.Storage
	users *users

	mu       sync.Mutex
	clients  map[string]*client
	sessions map[string]string // session cookie -> user id
}

func newStore() *store {
	u := &users{m: map[string]user{}}
	return &store{Storage: storage.NewStorageWithClients(u, map[string]*storage.Client{}), users: u,
		clients: map[string]*client{}, sessions: map[string]string{}}
}

func (s *store) addClaims(info *oidc.UserInfo, userID string) {
	x, ok := s.users.get(userID)
	if !ok {
		return
	}
	info.Name = x.Name
	info.PreferredUsername = x.Username
	info.AppendClaims("groups", slices.Clone(x.Groups))
	info.AppendClaims("realm_access", map[string]any{"roles": slices.Clone(x.Roles)})
}

func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, t op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, t, scopes); err != nil {
		return err
	}
	s.addClaims(info, t.GetSubject())
	return nil
}

func (s *store) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	s.addClaims(info, info.Subject)
	return nil
}

func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("client not found")
	}
	return c, nil
}

func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || c.Secret != secret {
		return fmt.Errorf("invalid client")
	}
	return nil
}

// TerminateSession ends the user's provider sessions besides their tokens.
func (s *store) TerminateSession(ctx context.Context, userID, clientID string) error {
	s.mu.Lock()
	for k, v := range s.sessions {
		if v == userID {
			delete(s.sessions, k)
		}
	}
	s.mu.Unlock()
	return s.Storage.TerminateSession(ctx, userID, clientID)
}

func (s *store) sessionCount(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.sessions {
		if v == userID {
			n++
		}
	}
	return n
}

// client is a confidential web client (client_secret_basic or _post,
// code flow with PKCE, refresh tokens).
type client struct {
	ID           string   `json:"id"`
	Secret       string   `json:"secret"`
	Redirects    []string `json:"redirect_uris"`
	PostLogout   []string `json:"post_logout_redirect_uris"`
	AuthPost     bool     `json:"auth_post"`
	IDTokenHours int      `json:"id_token_hours"`
}

func (c *client) GetID() string                       { return c.ID }
func (c *client) RedirectURIs() []string              { return c.Redirects }
func (c *client) PostLogoutRedirectURIs() []string    { return c.PostLogout }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.AuthPost {
		return oidc.AuthMethodPost
	}
	return oidc.AuthMethodBasic
}
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string            { return "/login/username?authRequestID=" + id }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return time.Hour }
func (c *client) DevMode() bool                        { return false }
func (c *client) IsScopeAllowed(string) bool           { return true }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
