package matrixbridge

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed example-config.yaml
var exampleConfig []byte

// ExampleConfig returns the commented example configuration.
func ExampleConfig() []byte { return bytes.Clone(exampleConfig) }

// Config is the bridge's configuration file.
type Config struct {
	Homeserver HomeserverConfig `yaml:"homeserver"`
	AppService AppServiceConfig `yaml:"appservice"`
	Appliance  ApplianceConfig  `yaml:"appliance"`
	// Database is the path of the bridge's SQLite database (mautrix's tables
	// and the bridge's own: last event seq, outbox, rooms), or a PostgreSQL
	// database: a postgres:// URL or a key=value string with dbname=
	// (password from PGPASSWORD or ~/.pgpass).
	Database string `yaml:"database"`
	// Language of the bridge's replies: "de" (default) or "en".
	Language string `yaml:"language"`
	// Retention is how long a consultation room stays on the homeserver after
	// the consultation ended before it is purged ("0s": at once).
	Retention time.Duration `yaml:"retention"`
	// Admins are Matrix IDs with bridge admin rights (mautrix's "!bb" commands).
	Admins []string `yaml:"admins"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
}

// HomeserverConfig says where the homeserver is.
type HomeserverConfig struct {
	// Address is the homeserver's client-server API base URL as seen by the bridge.
	Address string `yaml:"address"`
	// Domain is the server name, the part after ":" in user IDs.
	Domain string `yaml:"domain"`
	// Purge selects the admin API used to purge closed rooms: "dendrite",
	// "synapse" or "none" (rooms are only emptied).
	Purge string `yaml:"purge"`
	// AdminTokenFile holds the access token of a homeserver admin account,
	// needed for Purge (not for anything else).
	AdminTokenFile string `yaml:"admin_token_file"`
}

// AppServiceConfig describes the bridge as an application service.
type AppServiceConfig struct {
	// ID of the appservice registration.
	ID string `yaml:"id"`
	// Listen is the host:port the bridge listens on for the homeserver's transactions.
	Listen string `yaml:"listen"`
	// URL is how the homeserver reaches Listen (goes into the registration).
	URL string `yaml:"url"`
	// BotUsername is the localpart of the bridge bot, which creates the rooms.
	BotUsername string `yaml:"bot_username"`
	// BotDisplayname is the bot's display name.
	BotDisplayname string `yaml:"bot_displayname"`
	// UsernameTemplate forms ghost localparts; {{.}} is the pseudonymous id.
	UsernameTemplate string `yaml:"username_template"`
	// Registration is the registration file: written by
	// --generate-registration, read at start for the as/hs tokens.
	Registration string `yaml:"registration"`
}

// ApplianceConfig says how to reach the appliance's staff API.
type ApplianceConfig struct {
	// URL is the appliance's base URL (https://…, loopback recommended).
	URL string `yaml:"url"`
	// ServiceTokenFile holds the bearer token configured in the appliance's api.service_tokens.
	ServiceTokenFile string `yaml:"service_token_file"`
	// CAFile is a PEM bundle to trust for the appliance's certificate (empty: system roots).
	CAFile string `yaml:"ca_file"`
	// MaxFileBytes caps files fetched from the appliance (default 100 MiB);
	// uploads are limited by the appliance itself (413).
	MaxFileBytes int64 `yaml:"max_file_bytes"`
}

// applyDefaults fills unset fields; it is the one place defaults live.
func (c *Config) applyDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.AppService.ID, "buergerbuero")
	def(&c.AppService.Listen, "127.0.0.1:29340")
	def(&c.AppService.BotUsername, "buergerbuero")
	def(&c.AppService.BotDisplayname, "Bürgerbüro")
	def(&c.AppService.UsernameTemplate, "bb_{{.}}")
	def(&c.Homeserver.Purge, "none")
	def(&c.Language, "de")
	def(&c.LogLevel, "info")
	if c.AppService.URL == "" {
		c.AppService.URL = "http://" + c.AppService.Listen
	}
	if c.Appliance.MaxFileBytes == 0 {
		c.Appliance.MaxFileBytes = 100 << 20
	}
}

var localpart = regexp.MustCompile(`^[a-z0-9._=/-]+$`)

// Validate reports every invalid field by its YAML path.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	checkURL := func(field, v string, schemes ...string) {
		u, err := url.Parse(v)
		if v == "" || err != nil || u.Host == "" {
			bad(field, "must be an absolute URL, got %q", v)
			return
		}
		for _, s := range schemes {
			if u.Scheme == s {
				return
			}
		}
		bad(field, "scheme must be one of %s", strings.Join(schemes, ", "))
	}
	checkURL("homeserver.address", c.Homeserver.Address, "http", "https")
	if c.Homeserver.Domain == "" || strings.ContainsAny(c.Homeserver.Domain, "@/ ") {
		bad("homeserver.domain", "must be the server name, e.g. example.org")
	}
	switch c.Homeserver.Purge {
	case "none":
	case "dendrite", "synapse":
		if c.Homeserver.AdminTokenFile == "" {
			bad("homeserver.admin_token_file", "required when homeserver.purge is %q", c.Homeserver.Purge)
		}
	default:
		bad("homeserver.purge", "must be dendrite, synapse or none, got %q", c.Homeserver.Purge)
	}
	if !localpart.MatchString(c.AppService.ID) {
		bad("appservice.id", "must be a simple name, got %q", c.AppService.ID)
	}
	if !localpart.MatchString(c.AppService.BotUsername) {
		bad("appservice.bot_username", "must be a Matrix localpart, got %q", c.AppService.BotUsername)
	}
	if !strings.Contains(c.AppService.UsernameTemplate, "{{.}}") {
		bad("appservice.username_template", "must contain {{.}}")
	}
	checkURL("appservice.url", c.AppService.URL, "http", "https")
	if _, port, ok := strings.Cut(c.AppService.Listen, ":"); !ok || port == "" {
		bad("appservice.listen", "must be host:port, got %q", c.AppService.Listen)
	}
	if c.AppService.Registration == "" {
		bad("appservice.registration", "required (path of the registration file)")
	}
	checkURL("appliance.url", c.Appliance.URL, "http", "https")
	if c.Appliance.ServiceTokenFile == "" {
		bad("appliance.service_token_file", "required")
	}
	if c.Database == "" {
		bad("database", "required (path of the SQLite file, or a postgres:// URL)")
	}
	if c.Language != "de" && c.Language != "en" {
		bad("language", "must be de or en, got %q", c.Language)
	}
	if c.Retention < 0 {
		bad("retention", "must not be negative")
	}
	for i, a := range c.Admins {
		if !strings.HasPrefix(a, "@") || !strings.Contains(a, ":") {
			bad(fmt.Sprintf("admins[%d]", i), "must be a Matrix ID like @admin:example.org, got %q", a)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.Appliance.MaxFileBytes < 0 {
		bad("appliance.max_file_bytes", "must not be negative")
	}
	return errors.Join(errs...)
}

// ParseConfig decodes YAML strictly (unknown keys are errors), applies the
// defaults and validates.
func ParseConfig(data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("invalid config:\n%w", err)
	}
	return &c, nil
}

// LoadConfig reads and parses the configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(data)
}

func readSecret(field, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", field, path)
	}
	return s, nil
}

// Postgres reports whether Database names a PostgreSQL database rather
// than a SQLite file.
func (c *Config) Postgres() bool {
	d := c.Database
	return strings.HasPrefix(d, "postgres://") || strings.HasPrefix(d, "postgresql://") || strings.Contains(d, "dbname=")
}
