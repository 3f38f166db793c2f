package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/hours"
)

// Defaults returns a configuration with every default applied. It is the
// only place defaults are set.
func Defaults() *Config {
	return &Config{
		Site:  Site{Name: "Virtuelles Bürgerbüro", TimeZone: "Europe/Berlin", DefaultLanguage: "de", Accessibility: Accessibility{Status: "partial"}},
		HTTP:  HTTP{Listen: ":443", RedirectListen: ":80", AdminListen: "127.0.0.1:9090", ProofOfWork: defaultProofOfWork()},
		TLS:   TLS{Mode: "internal", ACMEDirectory: "https://acme-v02.api.letsencrypt.org/directory"},
		Store: Store{Driver: "sqlite", DataDir: "/var/lib/buergerbuero"},
		Reception: Reception{
			GracePeriod:     Duration{2 * time.Minute},
			CalledTimeout:   Duration{3 * time.Minute},
			MaxQueue:        200,
			DefaultHandling: Duration{12 * time.Minute},
			KnockBurst:      5,
			KnockPer:        Duration{10 * time.Minute},
			Retention:       Retention{Personal: Duration{24 * time.Hour}},
			MaxUpload:       10 << 20,
		},
		Auth: Auth{
			AddressAttempts: 5,
			AddressMaxDelay: Duration{15 * time.Minute},
			AccountAttempts: 10,
			AccountMaxDelay: Duration{time.Minute},
			FirstDelay:      Duration{time.Second},
			ThrottleForget:  Duration{time.Hour},
			SessionLifetime: Duration{10 * time.Hour},
			SessionIdle:     Duration{30 * time.Minute},
		},
		Media:        Media{UDPPort: 3478, TCPPort: 0, TURN: TURN{Enabled: true, UDPPort: 3479, TCPPort: 3479, TLSPort: 5349}},
		Appointments: defaultAppointments(),
		Roles:        defaultRoles(),
		Documents:    defaultDocuments(),
	}
}

// fill derives values that depend on other fields.
func (c *Config) fill() {
	if len(c.TLS.Domains) == 0 {
		if u, err := url.Parse(c.Site.PublicURL); err == nil && u.Hostname() != "" {
			c.TLS.Domains = []string{u.Hostname()}
		}
		// this node's own name for signalling (media placement) too
		if u, err := url.Parse(c.Media.NodeURL); err == nil && u.Hostname() != "" && !slices.Contains(c.TLS.Domains, u.Hostname()) {
			c.TLS.Domains = append(c.TLS.Domains, u.Hostname())
		}
	}
	if c.TLS.StorageDir == "" {
		c.TLS.StorageDir = filepath.Join(c.Store.DataDir, "tls")
	}
	if c.Notify != nil {
		c.Notify.fill()
	}
	if c.Auth.OIDC != nil {
		c.Auth.OIDC.ApplyDefaults()
	}
	if c.Auth.TOTP.Issuer == "" {
		c.Auth.TOTP.Issuer = "Bürgerbüro"
	}
	if c.Auth.LDAP != nil {
		c.Auth.LDAP.ApplyDefaults()
	}
	if c.Media.TURN.Realm == "" && len(c.TLS.Domains) > 0 {
		c.Media.TURN.Realm = c.TLS.Domains[0]
	}
	c.fillAppointments()
}

// Bundesländer are the allowed values of site.state.
var Bundeslaender = []string{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"}

var (
	slugRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	prefixRE = regexp.MustCompile(`^[A-Z]{1,2}$`)
	langRE   = regexp.MustCompile(`^[a-z]{2}$`)
)

// FieldError names a configuration field, what is wrong and what is allowed.
type FieldError struct {
	Field, Problem, Allowed string
}

func (e *FieldError) Error() string {
	if e.Allowed == "" {
		return fmt.Sprintf("config field %s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("config field %s: %s (allowed: %s)", e.Field, e.Problem, e.Allowed)
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func bad(field, problem, allowed string) error { return &FieldError{field, problem, allowed} }

// Validate checks every field and returns the first problem found.
func (c *Config) Validate() error {
	if err := ValidateSiteName(c.Site.Name); err != nil {
		return err
	}
	if c.Site.PublicURL == "" {
		return bad("site.public_url", "required", "the https:// address citizens use")
	}
	if u, err := url.Parse(c.Site.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("site.public_url", fmt.Sprintf("%q is not an absolute URL", c.Site.PublicURL), "https://host[:port]")
	}
	if c.Media.NodeURL != "" {
		if u, err := url.Parse(c.Media.NodeURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("media.node_url", fmt.Sprintf("%q is not an absolute URL", c.Media.NodeURL), "https://host[:port] of this node, or empty for site.public_url")
		}
	}
	if err := ValidateState(c.Site.State); err != nil {
		return err
	}
	if _, err := time.LoadLocation(c.Site.TimeZone); err != nil {
		return bad("site.time_zone", fmt.Sprintf("unknown time zone %q", c.Site.TimeZone), "an IANA name such as Europe/Berlin")
	}
	if c.Site.DefaultLanguage != "de" && c.Site.DefaultLanguage != "en" {
		return bad("site.default_language", fmt.Sprintf("%q", c.Site.DefaultLanguage), "de, en")
	}
	if c.Site.LocaleDir != "" {
		if fi, err := os.Stat(c.Site.LocaleDir); err != nil || !fi.IsDir() {
			return bad("site.locale_dir", fmt.Sprintf("%q is not a directory", c.Site.LocaleDir), `a directory of catalogue files (*.json), or ""`)
		}
	}
	if err := validStaffBackground(c.Site.StaffBackground); err != nil {
		return err
	}
	for _, e := range [][2]string{{"site.privacy.contact_email", c.Site.Privacy.ContactEmail}, {"site.privacy.dpo_email", c.Site.Privacy.DPOEmail}} {
		if e[1] != "" && !emailRE.MatchString(e[1]) {
			return bad(e[0], fmt.Sprintf("%q is not an e-mail address", e[1]), "name@example.org")
		}
	}
	if err := c.Site.Accessibility.validate(); err != nil {
		return err
	}
	for name, addr := range map[string]string{"http.listen": c.HTTP.Listen, "http.redirect_listen": c.HTTP.RedirectListen, "http.admin_listen": c.HTTP.AdminListen} {
		if addr == "" && name != "http.listen" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return bad(name, fmt.Sprintf("%q is not host:port", addr), `"host:port" or ":port"`)
		}
	}
	if err := ValidateFrameAncestors(c.HTTP.FrameAncestors); err != nil {
		return err
	}
	for i, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			return bad(fmt.Sprintf("http.trusted_proxies[%d]", i), fmt.Sprintf("%q is not a CIDR", p), "e.g. 10.0.0.0/8")
		}
	}
	for i, p := range c.HTTP.StaffNetworks {
		if _, _, err := net.ParseCIDR(p); err != nil {
			return bad(fmt.Sprintf("http.staff_networks[%d]", i), fmt.Sprintf("%q is not a CIDR", p), "e.g. 10.0.0.0/8 or fd00::/8")
		}
	}
	if err := c.HTTP.ProofOfWork.validate(); err != nil {
		return err
	}
	if err := c.validateTLS(); err != nil {
		return err
	}
	switch c.Store.Driver {
	case "sqlite":
		if c.Store.DataDir == "" {
			return bad("store.data_dir", "must not be empty", "a directory path")
		}
	case "postgres":
		if c.Store.DSN == "" {
			return bad("store.dsn", "required for driver postgres", "postgres://user@host/db")
		}
		if c.Store.DataDir == "" {
			return bad("store.data_dir", "must not be empty (keys and TLS state stay on the node)", "a directory path")
		}
		if c.Store.PasswordFile != "" {
			if p, err := c.Store.Password(); err != nil || p == "" {
				return bad("store.password_file", fmt.Sprintf("%q is not a readable, non-empty file", c.Store.PasswordFile), "a file holding the PostgreSQL password")
			}
		}
	default:
		return bad("store.driver", fmt.Sprintf("%q", c.Store.Driver), "sqlite, postgres")
	}
	r := c.Reception
	for _, d := range []struct {
		f string
		v time.Duration
	}{{"reception.grace_period", r.GracePeriod.Duration}, {"reception.called_timeout", r.CalledTimeout.Duration}, {"reception.default_handling", r.DefaultHandling.Duration}, {"reception.knock_per", r.KnockPer.Duration}, {"reception.retention.personal", r.Retention.Personal.Duration}, {"auth.address_max_delay", c.Auth.AddressMaxDelay.Duration}, {"auth.account_max_delay", c.Auth.AccountMaxDelay.Duration}, {"auth.first_delay", c.Auth.FirstDelay.Duration}, {"auth.throttle_forget", c.Auth.ThrottleForget.Duration}, {"auth.session_lifetime", c.Auth.SessionLifetime.Duration}, {"auth.session_idle", c.Auth.SessionIdle.Duration}} {
		if d.v <= 0 {
			return bad(d.f, "must be positive", "a duration such as 90s, 15m, 720h")
		}
	}
	if err := ValidateRetention("reception.retention", r.Retention); err != nil {
		return err
	}
	if r.MaxQueue < 1 || r.MaxQueue > 100000 {
		return bad("reception.max_queue", fmt.Sprint(r.MaxQueue), "1 to 100000")
	}
	if r.KnockBurst < 1 {
		return bad("reception.knock_burst", fmt.Sprint(r.KnockBurst), "1 or more")
	}
	if r.MaxUpload < 1024 || r.MaxUpload > 100<<20 {
		return bad("reception.max_upload", fmt.Sprint(r.MaxUpload), "1024 to 104857600 bytes")
	}
	if err := c.Documents.validate(); err != nil {
		return err
	}
	if err := c.Auth.validate(); err != nil {
		return err
	}
	for i, t := range c.API.ServiceTokens {
		f := fmt.Sprintf("api.service_tokens[%d]", i)
		if t.Name == "" {
			return bad(f+".name", "must not be empty", "")
		}
		if (t.Token == "") == (t.TokenFile == "") {
			return bad(f, "set exactly one of token and token_file", "")
		}
		if t.TokenFile != "" {
			if _, err := os.Stat(t.TokenFile); err != nil {
				return bad(f+".token_file", err.Error(), "a readable file")
			}
		} else if len(t.Token) < 32 {
			return bad(f+".token", "shorter than 32 characters", "at least 32 random characters")
		}
	}
	for name, p := range map[string]int{"media.udp_port": c.Media.UDPPort, "media.tcp_port": c.Media.TCPPort, "media.turn.udp_port": c.Media.TURN.UDPPort, "media.turn.tcp_port": c.Media.TURN.TCPPort, "media.turn.tls_port": c.Media.TURN.TLSPort} {
		if p < 0 || p > 65535 {
			return bad(name, fmt.Sprint(p), "0 to 65535")
		}
	}
	for _, ip := range c.Media.PublicIPs {
		if net.ParseIP(ip) == nil {
			return bad("media.public_ips", fmt.Sprintf("%q is not an IP address", ip), "IPv4 or IPv6 addresses")
		}
	}
	if c.Notify != nil {
		if err := c.Notify.validate(); err != nil {
			return err
		}
	}
	if err := c.Appointments.validate(); err != nil {
		return err
	}
	if err := c.Roles.validate("roles"); err != nil {
		return err
	}
	return c.validateOffices()
}

func (c *Config) validateTLS() error {
	t := c.TLS
	switch t.Mode {
	case "internal", "off":
	case "acme":
		if u, err := url.Parse(t.ACMEDirectory); err != nil || u.Scheme != "https" {
			return bad("tls.acme_directory", fmt.Sprintf("%q", t.ACMEDirectory), "an https URL")
		}
		if len(t.Domains) == 0 {
			return bad("tls.domains", "required for mode acme", "DNS names")
		}
	case "files":
		if t.CertFile == "" || t.KeyFile == "" {
			return bad("tls.cert_file", "cert_file and key_file are required for mode files", "PEM file paths")
		}
	default:
		return bad("tls.mode", fmt.Sprintf("%q", t.Mode), "internal, acme, files, off")
	}
	return nil
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func (c *Config) validateOffices() error {
	seen := map[string]bool{}
	for i, o := range c.Offices {
		f := fmt.Sprintf("offices[%d]", i)
		if seen[o.ID] {
			return bad(f+".id", fmt.Sprintf("%q used twice", o.ID), "unique ids")
		}
		seen[o.ID] = true
		if err := ValidateOffice(f, o, c.Site.State); err != nil {
			return err
		}
	}
	return nil
}

// ValidateOffice checks one office (the file's offices[i], named f, or
// one edited in the web administration) for a site in Bundesland state.
func ValidateOffice(f string, o Office, state string) error {
	if !slugRE.MatchString(o.ID) {
		return bad(f+".id", fmt.Sprintf("%q", o.ID), "lower-case letters, digits and '-', up to 40")
	}
	if strings.TrimSpace(o.Name) == "" || len(o.Name) > 100 {
		return bad(f+".name", "must be 1 to 100 characters", "")
	}
	if !prefixRE.MatchString(o.Prefix) {
		return bad(f+".prefix", fmt.Sprintf("%q", o.Prefix), "one or two capital letters A-Z")
	}
	if o.Chairs < 1 || o.Chairs > 500 {
		return bad(f+".chairs", fmt.Sprint(o.Chairs), "1 to 500")
	}
	for _, l := range o.Languages {
		if !langRE.MatchString(l) {
			return bad(f+".languages", fmt.Sprintf("%q", l), "ISO 639-1 codes such as de, en, tr")
		}
	}
	for day := range o.Hours {
		if !slices.Contains(weekdays, day) {
			return bad(f+".hours", fmt.Sprintf("unknown day %q", day), strings.Join(weekdays, ", "))
		}
	}
	if len(o.ConcernCategories) > 30 {
		return bad(f+".concern_categories", fmt.Sprint(len(o.ConcernCategories), " categories"), "at most 30")
	}
	for j, cat := range o.ConcernCategories {
		if n := len([]rune(strings.TrimSpace(cat))); n < 2 || n > 80 {
			return bad(fmt.Sprintf("%s.concern_categories[%d]", f, j), fmt.Sprintf("%q", cat), "2 to 80 characters")
		}
	}
	if r := o.Retention; r != nil && (r.Content.Duration < 0 || r.Personal.Duration < 0) {
		return bad(f+".retention", "negative duration", "0s or more")
	}
	if _, err := hours.FromConfig(o.Hours, o.Exceptions, state, o.IgnoreHolidays, nil); err != nil {
		return fmt.Errorf("config field %s.%w", f, err)
	}
	if err := validateBooking(f, o); err != nil {
		return err
	}
	return o.Roles.validate(f + ".roles")
}

// ValidateSiteName checks site.name.
func ValidateSiteName(name string) error {
	if strings.TrimSpace(name) == "" {
		return bad("site.name", "must not be empty", "")
	}
	if len([]rune(name)) > 100 {
		return bad("site.name", "longer than 100 characters", "1 to 100 characters")
	}
	return nil
}

// ValidateState checks site.state: a Bundesland code or "".
func ValidateState(state string) error {
	if state != "" && !slices.Contains(Bundeslaender, state) {
		return bad("site.state", fmt.Sprintf("unknown Bundesland %q", state), strings.Join(Bundeslaender, ", ")+` or ""`)
	}
	return nil
}

var originHostRE = regexp.MustCompile(`^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// ValidateFrameAncestors checks http.frame_ancestors: origins without
// path.
func ValidateFrameAncestors(origins []string) error {
	for i, o := range origins {
		// the origin goes into the CSP header as it is: only host name
		// characters, so that no ';' or quote can add a directive
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || !originHostRE.MatchString(u.Host) || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return bad(fmt.Sprintf("http.frame_ancestors[%d]", i), fmt.Sprintf("%q is not an origin", o), "scheme://host[:port] without path")
		}
	}
	return nil
}

// ValidateRetention checks the site's default retention (f is its field,
// reception.retention).
func ValidateRetention(f string, r Retention) error {
	if r.Personal.Duration <= 0 {
		return bad(f+".personal", "must be positive", "a duration such as 90s, 15m, 720h")
	}
	if r.Content.Duration < 0 {
		return bad(f+".content", "negative duration", "0s (deleted when the consultation ends) or more")
	}
	return nil
}

func (a Auth) validate() error {
	if a.AddressAttempts < 1 || a.AddressAttempts > 1000 {
		return bad("auth.address_attempts", fmt.Sprint(a.AddressAttempts), "1 to 1000")
	}
	if a.AccountAttempts < 1 || a.AccountAttempts > 1000 {
		return bad("auth.account_attempts", fmt.Sprint(a.AccountAttempts), "1 to 1000")
	}
	if a.AccountMaxDelay.Duration > time.Hour {
		return bad("auth.account_max_delay", a.AccountMaxDelay.String(), "at most 1h: it is how long a clerk may be kept waiting by someone else's guessing")
	}
	if a.FirstDelay.Duration > min(a.AddressMaxDelay.Duration, a.AccountMaxDelay.Duration) {
		return bad("auth.first_delay", a.FirstDelay.String(), "at most auth.address_max_delay and auth.account_max_delay")
	}
	if a.ThrottleForget.Duration <= max(a.AddressMaxDelay.Duration, a.AccountMaxDelay.Duration) {
		return bad("auth.throttle_forget", a.ThrottleForget.String(), "longer than auth.address_max_delay and auth.account_max_delay")
	}
	if a.SessionIdle.Duration > a.SessionLifetime.Duration {
		return bad("auth.session_idle", a.SessionIdle.String(), "at most auth.session_lifetime")
	}
	for _, r := range a.TOTP.RequiredRoles {
		if !slices.Contains([]string{"clerk", "lead", "admin"}, r) {
			return bad("auth.totp.required_roles", fmt.Sprintf("%q", r), "clerk, lead, admin")
		}
	}
	if a.OIDC != nil {
		a.OIDC.ApplyDefaults()
		if err := a.OIDC.validate(); err != nil {
			return err
		}
	}
	if a.LDAP != nil {
		a.LDAP.ApplyDefaults()
		return a.LDAP.validate()
	}
	return nil
}

func (a Accessibility) validate() error {
	if !slices.Contains(AccessibilityStatuses, a.Status) {
		return bad("site.accessibility.status", fmt.Sprintf("%q", a.Status), strings.Join(AccessibilityStatuses, ", "))
	}
	if a.ContactEmail != "" && !emailRE.MatchString(a.ContactEmail) {
		return bad("site.accessibility.contact_email", fmt.Sprintf("%q is not an e-mail address", a.ContactEmail), "name@example.org")
	}
	if a.EnforcementBody.URL != "" {
		if u, err := url.Parse(a.EnforcementBody.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("site.accessibility.enforcement_body.url", fmt.Sprintf("%q is not an absolute URL", a.EnforcementBody.URL), "https://host/path")
		}
	}
	if a.Date != "" {
		if _, err := time.Parse(time.DateOnly, a.Date); err != nil {
			return bad("site.accessibility.date", fmt.Sprintf("%q is not a date", a.Date), "YYYY-MM-DD")
		}
	}
	return nil
}
