package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// OIDC signs staff in through the county's OpenID provider (Keycloak,
// Active Directory Federation Services, …): authorisation code with PKCE.
// Clerks are created at their first sign-in from the claims; the mapped
// groups or roles decide their offices and role, and are checked again
// every Recheck. Local accounts keep working beside it (break-glass). See
// docs/oidc.md.
type OIDC struct {
	// Issuer is the provider's issuer URL, e.g.
	// "https://login.musterland.de/realms/kreis"; its discovery document
	// (/.well-known/openid-configuration) is read at start. https, or http
	// on a loopback address (tests).
	Issuer string `yaml:"issuer"`
	// ClientID is the appliance's client at the provider (a confidential
	// client; its redirect URI is site.public_url + /staff/oidc/callback,
	// its post-logout redirect URI site.public_url + /staff/login).
	ClientID string `yaml:"client_id"`
	// ClientSecretFile holds the client secret.
	ClientSecretFile string `yaml:"client_secret_file"`
	// Scopes requested besides "openid"; default profile.
	Scopes []string `yaml:"scopes"`
	// GroupsClaim names the claim with the group or role values, a dotted
	// path into the ID token or userinfo: "groups" (Keycloak's group
	// mapper, full paths such as "/bauamt/sachbearbeitung") or
	// "realm_access.roles" (Keycloak realm roles). Default "groups".
	GroupsClaim string `yaml:"groups_claim"`
	// Groups map claim values to offices and a staff role; a clerk gets
	// the offices of every matching entry and the highest role. A sign-in
	// whose values match no entry is refused.
	Groups []OIDCGroup `yaml:"groups"`
	// Recheck is how often a signed-in clerk's groups are asked again
	// (refresh token, else userinfo); a clerk whose groups no longer map
	// loses the session at the next request after it. Default 5m.
	Recheck Duration `yaml:"recheck"`
	// ButtonLabel replaces the sign-in button's text, per staff language
	// (de, en), e.g. {de: "Mit dem Kreis-Konto anmelden"}.
	ButtonLabel map[string]string `yaml:"button_label"`
}

// OIDCGroup maps one claim value.
type OIDCGroup struct {
	// Value is a value of the groups claim, e.g. "/bauamt".
	Value string `yaml:"value"`
	// Offices the value grants (office ids).
	Offices []string `yaml:"offices"`
	// Role: clerk, lead or admin; default clerk.
	Role string `yaml:"role"`
}

// OIDCCallbackPath and OIDCLogoutReturnPath are registered at the provider.
const (
	OIDCCallbackPath     = "/staff/oidc/callback"
	OIDCLogoutReturnPath = "/staff/login"
)

// Secret reads the client secret.
func (o *OIDC) Secret() (string, error) {
	b, err := os.ReadFile(o.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("auth.oidc.client_secret_file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// ApplyDefaults fills unset fields (idempotent).
func (o *OIDC) ApplyDefaults() {
	if len(o.Scopes) == 0 {
		o.Scopes = []string{"profile"}
	}
	if o.GroupsClaim == "" {
		o.GroupsClaim = "groups"
	}
	if o.Recheck.Duration == 0 {
		o.Recheck = Duration{5 * time.Minute}
	}
	for i := range o.Groups {
		if o.Groups[i].Role == "" {
			o.Groups[i].Role = "clerk"
		}
	}
}

func (o *OIDC) validate() error {
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname()))) {
		return bad("auth.oidc.issuer", fmt.Sprintf("%q", o.Issuer), "the provider's https:// issuer URL (http only on loopback, for tests)")
	}
	if strings.TrimSpace(o.ClientID) == "" {
		return bad("auth.oidc.client_id", "must not be empty", "the client id registered at the provider")
	}
	if s, err := o.Secret(); err != nil || s == "" {
		return bad("auth.oidc.client_secret_file", fmt.Sprintf("%q is not a readable, non-empty file", o.ClientSecretFile), "a file holding the client secret")
	}
	for _, s := range o.Scopes {
		if s == "" || strings.ContainsAny(s, " \t") {
			return bad("auth.oidc.scopes", fmt.Sprintf("%q", s), "scope names without blanks, e.g. profile")
		}
	}
	if o.GroupsClaim == "" || strings.HasPrefix(o.GroupsClaim, ".") || strings.HasSuffix(o.GroupsClaim, ".") {
		return bad("auth.oidc.groups_claim", fmt.Sprintf("%q", o.GroupsClaim), "a claim name or dotted path: groups, realm_access.roles")
	}
	if len(o.Groups) == 0 {
		return bad("auth.oidc.groups", "empty: nobody could sign in", "at least one {value, offices, role}")
	}
	for i, g := range o.Groups {
		f := fmt.Sprintf("auth.oidc.groups[%d]", i)
		if g.Value == "" {
			return bad(f+".value", "must not be empty", "a value of the groups claim")
		}
		if !slices.Contains([]string{"clerk", "lead", "admin"}, g.Role) {
			return bad(f+".role", fmt.Sprintf("%q", g.Role), "clerk, lead, admin")
		}
		if len(g.Offices) == 0 && g.Role != "admin" {
			return bad(f+".offices", "empty", "office ids (an admin may have none)")
		}
	}
	if o.Recheck.Duration < time.Second || o.Recheck.Duration > 24*time.Hour {
		return bad("auth.oidc.recheck", o.Recheck.String(), "1s to 24h")
	}
	for lang, l := range o.ButtonLabel {
		if lang != "de" && lang != "en" {
			return bad("auth.oidc.button_label", fmt.Sprintf("language %q", lang), "de, en")
		}
		if strings.TrimSpace(l) == "" || len(l) > 80 {
			return bad("auth.oidc.button_label."+lang, fmt.Sprintf("%q", l), "1 to 80 characters")
		}
	}
	return nil
}

func loopbackHost(h string) bool {
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}
