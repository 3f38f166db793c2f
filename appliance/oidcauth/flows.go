package oidcauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/onetime"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// A sign-in's flow (state, nonce, PKCE verifier) is kept from Begin to
// Finish, used once. One node keeps it in memory; several nodes keep it
// in the shared single-use store (Share), since the provider's redirect
// back may reach another node than the one the sign-in began on. There
// the flow is sealed under its id, which only the browser's cookie holds.

// Share keeps the sign-in flows in s from now on.
func (p *Provider) Share(s onetime.Store) { p.shared.Store(onetime.New(s, "oidc")) }

// storedFlow is a flow in the shared store.
type storedFlow struct {
	State, Nonce, Verifier string
	Expires                time.Time
}

// putFlow keeps f and returns its id.
func (p *Provider) putFlow(ctx context.Context, f flow) (string, error) {
	if k := p.shared.Load(); k != nil {
		body, _ := json.Marshal(storedFlow{State: f.state, Nonce: f.nonce, Verifier: f.verifier, Expires: f.expires})
		id, err := k.Issue(ctx, body, FlowLifetime)
		if err != nil {
			return "", fmt.Errorf("%w: keep the sign-in: %v", ErrUnavailable, err)
		}
		return id, nil
	}
	id := staff.RandomToken(24)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for k, old := range p.flows {
		if now.After(old.expires) {
			delete(p.flows, k)
		}
	}
	p.flows[id] = f
	return id, nil
}

// takeFlow returns the flow of id and voids it; false if there is none.
func (p *Provider) takeFlow(ctx context.Context, id string) (flow, bool, error) {
	if k := p.shared.Load(); k != nil {
		body, err := k.Redeem(ctx, id)
		if errors.Is(err, onetime.ErrInvalid) {
			return flow{}, false, nil
		}
		if err != nil {
			return flow{}, false, fmt.Errorf("%w: read the sign-in: %v", ErrUnavailable, err)
		}
		var sf storedFlow
		if err := json.Unmarshal(body, &sf); err != nil {
			return flow{}, false, nil
		}
		return flow{state: sf.State, nonce: sf.Nonce, verifier: sf.Verifier, expires: sf.Expires}, true, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.flows[id]
	delete(p.flows, id)
	return f, ok, nil
}
