// Package config owns the appliance's configuration: one struct tree with
// documented fields, defaults applied in one place (Defaults), strict YAML
// loading (unknown keys are errors) and Validate, whose errors name the field
// and the allowed values. Sub-systems with their own settings (TLS, SFU)
// declare their Config types in their own packages; this package embeds them.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Example is the commented example configuration shipped with the appliance.
//
//go:embed example.yaml
var Example []byte

// Config is the whole configuration of `buergerbuero serve`.
type Config struct {
	// Site describes the county or town running the appliance.
	Site Site `yaml:"site"`
	// HTTP configures the listeners.
	HTTP HTTP `yaml:"http"`
	// TLS configures certificates (see TLSConfig).
	TLS TLS `yaml:"tls"`
	// Store selects the database.
	Store Store `yaml:"store"`
	// Reception tunes the waiting room.
	Reception Reception `yaml:"reception"`
	// Documents configures the files exchanged in a consultation: accepted
	// types and the virus scanner.
	Documents Documents `yaml:"documents"`
	// Auth tunes staff log-in.
	Auth Auth `yaml:"auth"`
	// API configures machine clients of the staff API (the Matrix bridge).
	API API `yaml:"api"`
	// Media configures the embedded SFU.
	Media Media `yaml:"media"`
	// Notify sends messages to citizens (e-mail, SMS); nil sends none.
	Notify *Notify `yaml:"notify"`
	// Appointments sets the limits of booking.
	Appointments Appointments `yaml:"appointments"`
	// Roles are the rights of the external roles in a room (interpreter,
	// sign_interpreter, written_interpreter, guardian, lawyer, authority,
	// guest), the site default; an office may override it (offices[].roles).
	// See Roles and docs/roles.md.
	Roles Roles `yaml:"roles"`
	// Offices declared here are created or updated at start; offices created
	// with `buergerbuero admin` live only in the database.
	Offices []Office `yaml:"offices"`

	// fileKeys are the WebManaged keys the file set (fromfile.go).
	fileKeys map[string]bool `yaml:"-"`
}

// Site describes the operator.
type Site struct {
	// Name shown in page titles, e.g. "Landkreis Musterland".
	Name string `yaml:"name"`
	// PublicURL is the address citizens use, e.g. "https://buergerbuero.musterland.de".
	PublicURL string `yaml:"public_url"`
	// State is the Bundesland whose public holidays close the offices:
	// BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH, or "" for none.
	State string `yaml:"state"`
	// TimeZone for opening hours; default Europe/Berlin.
	TimeZone string `yaml:"time_zone"`
	// DefaultLanguage of the user interface: de or en.
	DefaultLanguage string `yaml:"default_language"`
	// LocaleDir is a directory of message-catalogue files (go-i18n JSON,
	// named <area>.<tag>.json or <tag>.json, e.g. tr.json) whose texts
	// replace or add to the built-in ones, read at start; "" for none.
	// See docs/i18n.md, "County overrides".
	LocaleDir string `yaml:"locale_dir"`
	// StaffBackground is an image file (JPEG, PNG or WebP, at most
	// StaffBackgroundMax bytes), e.g. the county's coat of arms on a
	// calm ground, that clerks may put behind themselves on camera in the
	// consultation (the video's background control, off by default); ""
	// for the built-in neutral one. Read when requested, so it can be
	// replaced without a restart.
	StaffBackground string `yaml:"staff_background"`
	// Privacy holds what the privacy page (/datenschutz, DSGVO Art. 13)
	// says about the controller and the data-protection officer. `serve`
	// warns at start while controller or dpo_email is empty.
	Privacy Privacy `yaml:"privacy"`
	// Accessibility fills the accessibility statement (/barrierefreiheit,
	// BITV 2.0 § 7): feedback contact, enforcement body, status and date.
	Accessibility Accessibility `yaml:"accessibility"`
}

// Privacy names who is responsible for the personal data (DSGVO Art. 13(1)
// a, b and Art. 13(2) d). The rest of the privacy page (purposes, what is
// kept and for how long) is generated from the offices and reception.retention.
type Privacy struct {
	// Controller is the responsible body, e.g. "Landkreis Musterland,
	// vertreten durch den Landrat".
	Controller string `yaml:"controller"`
	// ControllerAddress is its postal address.
	ControllerAddress string `yaml:"controller_address"`
	// ContactEmail reaches the controller about this service.
	ContactEmail string `yaml:"contact_email"`
	// DPOName and DPOEmail reach the data-protection officer.
	DPOName  string `yaml:"dpo_name"`
	DPOEmail string `yaml:"dpo_email"`
	// SupervisoryAuthority is the Land's data-protection authority citizens
	// may complain to (name and address).
	SupervisoryAuthority string `yaml:"supervisory_authority"`
}

// Missing lists the privacy fields the privacy page needs but lacks.
func (p Privacy) Missing() []string {
	var out []string
	if strings.TrimSpace(p.Controller) == "" {
		out = append(out, "site.privacy.controller")
	}
	if strings.TrimSpace(p.DPOEmail) == "" {
		out = append(out, "site.privacy.dpo_email")
	}
	return out
}

// Accessibility is what the accessibility statement (Erklärung zur
// Barrierefreiheit, BITV 2.0 § 7) says besides its fixed text: whom to
// tell about barriers, where to turn when that does not help, how far the
// service meets the requirements and since when.
type Accessibility struct {
	// ContactEmail receives feedback about barriers; empty falls back to
	// site.privacy.contact_email.
	ContactEmail string `yaml:"contact_email"`
	// ContactPhone is an optional telephone number for the same feedback.
	ContactPhone string `yaml:"contact_phone"`
	// EnforcementBody is the Land's Durchsetzungs- or Schlichtungsstelle
	// citizens may turn to when the feedback gets no satisfying answer.
	EnforcementBody EnforcementBody `yaml:"enforcement_body"`
	// Status says how far the service meets BITV 2.0 (WCAG 2.1 AA): full,
	// partial (default) or none.
	Status string `yaml:"status"`
	// KnownLimitations lists further known barriers, one sentence each,
	// shown as written (besides the built-in one: live video without
	// captions).
	KnownLimitations []string `yaml:"known_limitations"`
	// Date is when the statement was made or last reviewed, YYYY-MM-DD.
	Date string `yaml:"date"`
}

// EnforcementBody names the Land's enforcement or conciliation body.
type EnforcementBody struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// AccessibilityStatuses are the allowed values of site.accessibility.status.
var AccessibilityStatuses = []string{"full", "partial", "none"}

// Missing lists the fields the accessibility statement needs but lacks.
func (a Accessibility) Missing(p Privacy) []string {
	var out []string
	if strings.TrimSpace(a.ContactEmail) == "" && strings.TrimSpace(p.ContactEmail) == "" {
		out = append(out, "site.accessibility.contact_email")
	}
	if strings.TrimSpace(a.EnforcementBody.Name) == "" {
		out = append(out, "site.accessibility.enforcement_body.name")
	}
	if strings.TrimSpace(a.EnforcementBody.URL) == "" {
		out = append(out, "site.accessibility.enforcement_body.url")
	}
	if strings.TrimSpace(a.Date) == "" {
		out = append(out, "site.accessibility.date")
	}
	return out
}

// HTTP configures listeners.
type HTTP struct {
	// Listen is the HTTPS address, default ":443".
	Listen string `yaml:"listen"`
	// RedirectListen serves ACME HTTP-01 and redirects to HTTPS; "" disables. Default ":80".
	RedirectListen string `yaml:"redirect_listen"`
	// AdminListen serves /metrics; default "127.0.0.1:9090", "" disables.
	AdminListen string `yaml:"admin_listen"`
	// FrameAncestors are the origins allowed to embed the widget
	// (CSP frame-ancestors), e.g. "https://www.musterland.de".
	FrameAncestors []string `yaml:"frame_ancestors"`
	// TrustedProxies: client addresses (CIDR) whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// StaffNetworks (CIDRs) restrict the staff area — the sign-in and
	// password pages, the console and every staff use of the API, by session
	// cookie or by service token (the Matrix bridge) — to these client
	// addresses (after trusted_proxies); others get 403. Empty: everywhere.
	// Include the bridge's address (127.0.0.1/32 and ::1/128 when it runs on
	// the appliance).
	StaffNetworks []string `yaml:"staff_networks"`
	// ProofOfWork tunes the proof of work on booking holds
	// (/api/v1/pow/challenge).
	ProofOfWork ProofOfWork `yaml:"proof_of_work"`
}

// TLS configures certificates.
type TLS struct {
	// Mode: "internal" (local CA, demo and air-gapped sites), "acme"
	// (Let's Encrypt or an internal ACME CA), "files" (county-issued
	// certificate), or "off" (plain HTTP, only behind a TLS-terminating proxy
	// or in tests).
	Mode string `yaml:"mode"`
	// Domains the certificate covers; default: host of site.public_url.
	Domains []string `yaml:"domains"`
	// Email for the ACME account.
	Email string `yaml:"email"`
	// ACMEDirectory URL; default Let's Encrypt production.
	ACMEDirectory string `yaml:"acme_directory"`
	// ACMERoot is a PEM file with the root certificate of an internal ACME CA.
	ACMERoot string `yaml:"acme_root"`
	// CertFile and KeyFile for mode "files"; reloaded when they change.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// StorageDir for certificates and keys; default <store.data_dir>/tls.
	// With store.driver "postgres" the nodes keep certificates and keys in
	// the database instead, and only the internal CA's root.pem here.
	StorageDir string `yaml:"storage_dir"`
}

// Store selects the database.
type Store struct {
	// Driver: "sqlite" (default) or "postgres".
	Driver string `yaml:"driver"`
	// DataDir holds the SQLite database, uploaded files and TLS state;
	// default /var/lib/buergerbuero.
	DataDir string `yaml:"data_dir"`
	// DSN for postgres: a URL ("postgres://bb@db.kreis.local/bb") or a
	// key=value string ("host=/run/postgresql dbname=bb"). Leave the
	// password out of it: PasswordFile, PGPASSWORD or ~/.pgpass give it.
	DSN string `yaml:"dsn"`
	// PasswordFile holds the PostgreSQL password (trimmed); it overrides a
	// password in the DSN.
	PasswordFile string `yaml:"password_file"`
}

// Password reads store.password_file ("" if not set).
func (s Store) Password() (string, error) {
	return Secret("store.password_file", "", s.PasswordFile)
}

// Reception tunes the waiting room.
type Reception struct {
	// GracePeriod a citizen keeps the place after losing the connection.
	GracePeriod Duration `yaml:"grace_period"`
	// CalledTimeout: a called citizen who has not entered the room by then
	// is put back into the queue with their place, freeing the clerk.
	CalledTimeout Duration `yaml:"called_timeout"`
	// MaxQueue is the maximum number of waiting citizens per office.
	MaxQueue int `yaml:"max_queue"`
	// DefaultHandling is the assumed handling time of a consultation before
	// an office has history.
	DefaultHandling Duration `yaml:"default_handling"`
	// KnockBurst and KnockPer: at most KnockBurst knocks per KnockPer from one
	// client address.
	KnockBurst int      `yaml:"knock_burst"`
	KnockPer   Duration `yaml:"knock_per"`
	// Retention of a visit's data after it ends, for offices that set none
	// of their own. Non-personal aggregates (counts, durations) are kept.
	Retention Retention `yaml:"retention"`
	// MaxUpload is the largest file accepted in a consultation, bytes
	// (see also the documents section).
	MaxUpload int64 `yaml:"max_upload"`
}

// Auth tunes staff log-in. Failed log-ins never lock an account; they slow
// down further attempts (see the staff package's Throttle): a client address
// waits first_delay, doubling with each further failure up to
// address_max_delay, once it has failed address_attempts times; an account
// that has failed account_attempts times (from anywhere) makes each address
// that already failed for it wait up to account_max_delay, while an address
// without a failure may always try at once.
type Auth struct {
	// AddressAttempts failed log-ins from one client address are free.
	AddressAttempts int `yaml:"address_attempts"`
	// AddressMaxDelay caps an address's doubling wait.
	AddressMaxDelay Duration `yaml:"address_max_delay"`
	// AccountAttempts failed log-ins for one account (all addresses) before
	// the account's addresses wait their turn.
	AccountAttempts int `yaml:"account_attempts"`
	// AccountMaxDelay caps the per-account wait; it is the longest a clerk
	// who mistyped must wait while someone else guesses at the account.
	AccountMaxDelay Duration `yaml:"account_max_delay"`
	// FirstDelay is the first wait after the free attempts.
	FirstDelay Duration `yaml:"first_delay"`
	// ThrottleForget: failures are forgotten this long after an address's
	// or account's last failure; longer than both max delays.
	ThrottleForget Duration `yaml:"throttle_forget"`
	// SessionLifetime is the absolute limit of a staff session.
	SessionLifetime Duration `yaml:"session_lifetime"`
	// SessionIdle ends a staff session unused for this long.
	SessionIdle Duration `yaml:"session_idle"`
	// OIDC signs staff in through an OpenID provider; nil: local accounts
	// only.
	OIDC *OIDC `yaml:"oidc"`
	// LDAP signs staff in against the county's directory (Active
	// Directory, OpenLDAP); nil: none. See docs/ldap.md.
	LDAP *LDAP `yaml:"ldap"`
	// TOTP configures the second factor of local accounts.
	TOTP TOTP `yaml:"totp"`
}

// TOTP configures the TOTP second factor (RFC 6238) of local accounts;
// directory accounts (OIDC, LDAP) rely on their provider's. Any local
// clerk may enrol in the staff area (/staff/totp); an enrolled clerk is
// asked for a code after the password.
type TOTP struct {
	// RequiredRoles (clerk, lead, admin) must use TOTP: a local account in
	// such a role without one is sent to enrolment right after the password
	// and can do nothing else until done. Default: none.
	RequiredRoles []string `yaml:"required_roles"`
	// Issuer is the name authenticator apps show; default: "Bürgerbüro".
	Issuer string `yaml:"issuer"`
}

// API configures machine clients.
type API struct {
	// ServiceTokens are bearer tokens for machine clients of the staff API.
	ServiceTokens []ServiceToken `yaml:"service_tokens"`
}

// ServiceToken is one machine client.
type ServiceToken struct {
	// Name of the client, e.g. "matrix-bridge" (appears in the audit log).
	Name string `yaml:"name"`
	// TokenFile holds the token (at least 32 characters); preferred over Token.
	TokenFile string `yaml:"token_file"`
	// Token inline (tests and demo only).
	Token string `yaml:"token"`
}

// Media configures the embedded SFU.
type Media struct {
	// UDPPort is the single UDP port for all media (ICE UDP mux); default 3478... see sfu.
	UDPPort int `yaml:"udp_port"`
	// TCPPort for ICE-TCP; 0 disables.
	TCPPort int `yaml:"tcp_port"`
	// PublicIPs announced in ICE candidates (1:1 NAT).
	PublicIPs []string `yaml:"public_ips"`
	// TURN enables the embedded TURN server.
	TURN TURN `yaml:"turn"`
	// NodeURL is this node's own public address (https://host[:port]),
	// when several nodes share one PostgreSQL behind a load balancer: a
	// room placed on this node gets its signalling URL here
	// (docs/operations.md, "Media placement"). Default: site.public_url.
	NodeURL string `yaml:"node_url"`
}

// TURN configures the embedded TURN server.
type TURN struct {
	Enabled bool `yaml:"enabled"`
	// UDPPort, TCPPort, TLSPort of the TURN server; 0 disables that transport.
	UDPPort int `yaml:"udp_port"`
	TCPPort int `yaml:"tcp_port"`
	TLSPort int `yaml:"tls_port"`
	// Realm; default host of site.public_url.
	Realm string `yaml:"realm"`
}

// Office declared in the configuration.
type Office struct {
	// ID is a short stable slug, e.g. "bauamt".
	ID string `yaml:"id"`
	// Name, e.g. "Bauamt".
	Name string `yaml:"name"`
	// Prefix of ticket numbers, one or two capital letters, e.g. "B".
	Prefix string `yaml:"prefix"`
	// Description shown to citizens.
	Description string `yaml:"description"`
	// Languages spoken, ISO 639-1 codes, e.g. [de, en, tr].
	Languages []string `yaml:"languages"`
	// Chairs is the number of clerk seats.
	Chairs int `yaml:"chairs"`
	// Hours per weekday: keys mon..sun, values like "08:00-12:00".
	Hours map[string][]string `yaml:"hours"`
	// Exceptions by date "2026-12-24": [] closed, or intervals.
	Exceptions map[string][]string `yaml:"exceptions"`
	// IgnoreHolidays keeps the office open on public holidays (e.g. a 24/7 online desk).
	IgnoreHolidays bool `yaml:"ignore_holidays"`
	// Confidential marks a counselling service (HIV, Schwangerschaftskonflikt
	// §219): the knock needs no name, the concern may be one of
	// ConcernCategories, chat, files and notes are deleted the moment the
	// consultation ends, the Matrix bridge learns only that a citizen is
	// waiting (and the number), and the audit log keeps number and times only.
	Confidential bool `yaml:"confidential"`
	// ConcernCategories, if set, are offered to the citizen as the concern
	// (e.g. "HIV-Test", "Schwangerschaftskonfliktberatung").
	ConcernCategories []string `yaml:"concern_categories"`
	// KnocksWithoutClerk lets citizens knock while the office is open but no
	// clerk is on duty (default: no; the office list says nobody is on duty).
	KnocksWithoutClerk bool `yaml:"knocks_without_clerk"`
	// Retention overrides reception.retention for this office.
	Retention *Retention `yaml:"retention"`
	// Services the office offers for booking or walk-in.
	Services []Service `yaml:"services"`
	// Appointments reserves chairs for booked appointments.
	Appointments OfficeAppointments `yaml:"appointments"`
	// Roles overrides the site's roles: for the roles it names, e.g.
	// guardian: [camera, microphone, chat] (see Roles).
	Roles Roles `yaml:"roles"`
}

// Retention says how long a visit's data is kept after it ends.
type Retention struct {
	// Content: chat, files and notes of a consultation. 0s (the default)
	// deletes them the moment the consultation ends.
	Content Duration `yaml:"content"`
	// Personal: the ticket's personal fields (name, concern). Default 24h.
	Personal Duration `yaml:"personal"`
}

// Duration is a time.Duration written as "90s", "15m", "720h".
type Duration struct{ time.Duration }

// UnmarshalYAML parses "15m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (examples: 90s, 15m, 720h)", n.Line, n.Value)
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes "15m0s".
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Load reads, defaults and validates a configuration file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(b)
}

// Parse decodes YAML strictly, applies defaults and validates.
func Parse(b []byte) (*Config, error) {
	c := Defaults()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, errEOF(err)) {
		return nil, fmt.Errorf("config: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	c.fill()
	c.recordFileKeys(b)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func errEOF(err error) error {
	if err != nil && err.Error() == "EOF" {
		return err
	}
	return errors.New("not eof")
}

// Value returns the token, reading TokenFile if set.
func (t ServiceToken) Value() (string, error) {
	if t.TokenFile == "" {
		return t.Token, nil
	}
	b, err := os.ReadFile(t.TokenFile)
	if err != nil {
		return "", fmt.Errorf("api.service_tokens %s: %w", t.Name, err)
	}
	v := strings.TrimSpace(string(b))
	if len(v) < 32 {
		return "", fmt.Errorf("api.service_tokens %s: token in %s is shorter than 32 characters", t.Name, t.TokenFile)
	}
	return v, nil
}

// Marshal renders a configuration as YAML (used by the demo and tests).
func Marshal(c *Config) ([]byte, error) { return yaml.Marshal(c) }
