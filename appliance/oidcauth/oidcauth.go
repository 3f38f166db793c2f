// Package oidcauth owns staff sign-in through an OpenID provider: discovery,
// the authorisation code flow with PKCE (state, nonce and verifier kept
// server-side, one-time, bound to the browser by the caller's cookie),
// verification of the ID token (go-oidc), the mapping of a group or role
// claim to offices and a staff role, the periodic re-check with the refresh
// token (or userinfo), and the RP-initiated logout address. It does not
// keep sessions or clerks: the staff package and the web layer do.
package oidcauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/onetime"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Errors the web layer shows; their texts are in the catalogue.
var (
	// ErrVerify: the provider's answer did not verify (signature, issuer,
	// audience, nonce, state, code): no session.
	ErrVerify = problem.New(problem.KindUnauthorized, "oidc_invalid")
	// ErrNoAccess: signed in at the provider, but no group maps.
	ErrNoAccess = problem.New(problem.KindForbidden, "oidc_no_access")
	// ErrExpired: the sign-in took too long or was started in another
	// browser.
	ErrExpired = problem.New(problem.KindUnauthorized, "oidc_expired")
	// ErrUnavailable: the provider could not be reached.
	ErrUnavailable = problem.New(problem.KindClosed, "oidc_unavailable")
	// ErrLocalAccount: the provider's login names a local account, which
	// a directory sign-in must not take over.
	ErrLocalAccount = problem.New(problem.KindConflict, "oidc_local_account")
)

// FlowLifetime bounds a sign-in at the provider.
const FlowLifetime = 10 * time.Minute

// Provider is one configured OpenID provider.
type Provider struct {
	cfg      *config.OIDC
	oauth    oauth2.Config
	prov     *oidc.Provider
	verifier *oidc.IDTokenVerifier
	endSess  string
	logout   string // post_logout_redirect_uri

	mu    sync.Mutex
	flows map[string]flow
	// shared keeps the flows where every node finds them (flows.go);
	// nil: in flows.
	shared atomic.Pointer[onetime.Keys]
	now    func() time.Time
}

type flow struct {
	state, nonce, verifier string
	expires                time.Time
}

// Identity is a clerk as the provider describes them.
type Identity struct {
	Clerk   staff.Clerk
	Subject string
}

// Grant is what a session keeps to ask the provider again and to log out.
type Grant struct {
	RefreshToken string
	IDToken      string // raw, for id_token_hint
	AccessToken  string
	Expiry       time.Time
}

// New reads the provider's discovery document. publicURL is the
// appliance's site.public_url.
func New(ctx context.Context, cfg *config.OIDC, publicURL string) (*Provider, error) {
	cfg.ApplyDefaults()
	secret, err := cfg.Secret()
	if err != nil {
		return nil, err
	}
	prov, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth.oidc.issuer %s: discovery: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = prov.Claims(&meta)
	base := strings.TrimRight(publicURL, "/")
	p := &Provider{cfg: cfg, prov: prov, endSess: meta.EndSession, logout: base + config.OIDCLogoutReturnPath,
		verifier: prov.Verifier(&oidc.Config{ClientID: cfg.ClientID}), flows: map[string]flow{}, now: time.Now}
	p.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: secret, Endpoint: prov.Endpoint(),
		RedirectURL: base + config.OIDCCallbackPath, Scopes: append([]string{oidc.ScopeOpenID}, cfg.Scopes...)}
	return p, nil
}

// Recheck is how often a session's groups are asked again.
func (p *Provider) Recheck() time.Duration { return p.cfg.Recheck.Duration }

// GroupsFor names the mapped claim values that grant an office (the
// administration shows where a clerk's office comes from).
func (p *Provider) GroupsFor(office string) []string {
	var out []string
	for _, g := range p.cfg.Groups {
		if slices.Contains(g.Offices, office) {
			out = append(out, g.Value)
		}
	}
	return out
}

// ButtonLabel is the configured label of the sign-in button in lang, or "".
func (p *Provider) ButtonLabel(lang string) string { return p.cfg.ButtonLabel[lang] }

// Begin starts a sign-in: it returns the flow's id (for a short-lived
// cookie in this browser) and the provider's authorisation URL.
func (p *Provider) Begin(ctx context.Context) (id, authURL string, err error) {
	f := flow{state: staff.RandomToken(24), nonce: staff.RandomToken(24), verifier: oauth2.GenerateVerifier(), expires: p.now().Add(FlowLifetime)}
	if id, err = p.putFlow(ctx, f); err != nil {
		return "", "", err
	}
	return id, p.oauth.AuthCodeURL(f.state, oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier)), nil
}

// Finish completes the sign-in the browser's flow id began: state checked,
// the flow used up, the code exchanged with the PKCE verifier, the ID
// token verified (signature, issuer, audience, expiry, nonce), the groups
// mapped.
func (p *Provider) Finish(ctx context.Context, id, state, code string) (Identity, Grant, error) {
	f, ok, err := p.takeFlow(ctx, id)
	if err != nil {
		return Identity{}, Grant{}, err
	}
	if !ok || p.now().After(f.expires) {
		return Identity{}, Grant{}, ErrExpired
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(f.state)) != 1 || code == "" {
		return Identity{}, Grant{}, ErrVerify
	}
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		return Identity{}, Grant{}, exchangeError(err)
	}
	id2, g, err := p.fromToken(ctx, tok, "", f.nonce)
	if err != nil {
		return Identity{}, Grant{}, err
	}
	return id2, g, nil
}

// fromToken verifies a token response's ID token and maps it; a refresh
// answer without ID token falls back to userinfo.
//
// nonce is the sign-in's nonce (go-oidc leaves that check to the caller);
// "" on a re-check, where subject must match instead.
func (p *Provider) fromToken(ctx context.Context, tok *oauth2.Token, subject, nonce string) (Identity, Grant, error) {
	g := Grant{RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, Expiry: tok.Expiry}
	raw, _ := tok.Extra("id_token").(string)
	var claims map[string]any
	if raw != "" {
		idt, err := p.verifier.Verify(ctx, raw)
		if err != nil || idt.Claims(&claims) != nil {
			return Identity{}, Grant{}, ErrVerify
		}
		if subject != "" && idt.Subject != subject {
			return Identity{}, Grant{}, ErrVerify
		}
		if nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
			return Identity{}, Grant{}, ErrVerify
		}
		g.IDToken = raw
	} else if subject == "" {
		return Identity{}, Grant{}, ErrVerify
	} else {
		ui, err := p.prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil || ui.Subject != subject || ui.Claims(&claims) != nil {
			return Identity{}, Grant{}, ErrNoAccess
		}
	}
	idn, err := p.Map(claims)
	return idn, g, err
}

// Check asks the provider again (refresh token; without one, userinfo
// with the access token) and maps the groups afresh. Any refusal of the
// provider, or groups that no longer map, is ErrNoAccess; an unreachable
// provider is ErrUnavailable. The returned grant replaces the old one.
func (p *Provider) Check(ctx context.Context, subject string, g Grant) (Identity, Grant, error) {
	var tok *oauth2.Token
	if g.RefreshToken != "" {
		t, err := p.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: g.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
		if err != nil {
			if _, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
				return Identity{}, Grant{}, ErrNoAccess
			}
			return Identity{}, Grant{}, ErrUnavailable
		}
		tok = t
	} else {
		tok = &oauth2.Token{AccessToken: g.AccessToken, TokenType: "Bearer"}
		tok = tok.WithExtra(map[string]any{})
	}
	idn, ng, err := p.fromToken(ctx, tok, subject, "")
	if err != nil {
		return Identity{}, Grant{}, err
	}
	if ng.RefreshToken == "" {
		ng.RefreshToken = g.RefreshToken
	}
	if ng.IDToken == "" {
		ng.IDToken = g.IDToken
	}
	return idn, ng, nil
}

func exchangeError(err error) error {
	if _, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		return ErrVerify
	}
	return ErrUnavailable
}

// Origins are the provider's origins a browser is sent to (authorisation
// and end-session endpoints), for the pages' form-action.
func (p *Provider) Origins() []string {
	var out []string
	for _, e := range []string{p.oauth.Endpoint.AuthURL, p.endSess} {
		if u, err := url.Parse(e); err == nil && u.Host != "" {
			if o := u.Scheme + "://" + u.Host; !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// LogoutURL is the provider's end-session address for an ID token, or ""
// when the provider has none.
func (p *Provider) LogoutURL(idToken string) string {
	if p.endSess == "" {
		return ""
	}
	q := url.Values{"post_logout_redirect_uri": {p.logout}, "client_id": {p.cfg.ClientID}}
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	sep := "?"
	if strings.Contains(p.endSess, "?") {
		sep = "&"
	}
	return p.endSess + sep + q.Encode()
}

// Map turns claims into a clerk: login from preferred_username (else sub),
// display name from name, offices and the highest role from the mapped
// group values. No mapped value is ErrNoAccess.
func (p *Provider) Map(claims map[string]any) (Identity, error) {
	sub, _ := claims["sub"].(string)
	values := claimValues(claims, p.cfg.GroupsClaim)
	var matched []staff.Grant
	for _, g := range p.cfg.Groups {
		if slices.Contains(values, g.Value) {
			matched = append(matched, staff.Grant{Offices: g.Offices, Role: g.Role})
		}
	}
	c, ok := staff.FromGrants(loginOf(claims), str(claims["name"]), matched)
	if !ok || sub == "" {
		return Identity{}, ErrNoAccess
	}
	return Identity{Clerk: c, Subject: sub}, nil
}

func str(v any) string { s, _ := v.(string); return s }

// loginOf derives a login the staff package accepts: preferred_username
// (its part before an @), else sub, lower-cased.
func loginOf(claims map[string]any) string {
	l := str(claims["preferred_username"])
	if l == "" {
		l = str(claims["sub"])
	}
	l, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(l)), "@")
	return l
}

// claimValues reads a dotted claim path ("groups", "realm_access.roles")
// as a list of strings; a single string counts as a list of one.
func claimValues(claims map[string]any, path string) []string {
	var v any = claims
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
