package firstboot

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// Seed is the content of buergerbuero.yaml on a seed drive, and the answers
// of the setup page. It holds only what differs between counties; everything
// else keeps the defaults of package config.
type Seed struct {
	// Version of the seed format; 1.
	Version int `yaml:"version"`
	// FQDN citizens use, e.g. "buergerbuero.musterland.de"; site.public_url
	// becomes https://FQDN.
	FQDN string `yaml:"fqdn"`
	// SiteName shown in page titles, e.g. "Landkreis Musterland".
	SiteName string `yaml:"site_name"`
	// State (Bundesland) for public holidays, e.g. "HE"; "" for none.
	State string `yaml:"state"`
	// AdminEmail receives ACME (Let's Encrypt) notices.
	AdminEmail string `yaml:"admin_email"`
	// TLS selects how the appliance obtains its certificate.
	TLS SeedTLS `yaml:"tls"`
	// Matrix is optional: the homeserver the bridge connects to.
	Matrix *SeedMatrix `yaml:"matrix"`
	// SSH is optional: without keys, sshd stays off.
	SSH SeedSSH `yaml:"ssh"`
	// Network is optional: a fixed address instead of DHCP. Only the seed
	// can set it; a setup page that is reachable has a working network.
	Network *SeedNetwork `yaml:"network"`
	// Cluster is optional: the appliance joins several nodes that share
	// the county's PostgreSQL (docs/operations.md, "Several nodes"). Only
	// the seed can set it.
	Cluster *SeedCluster `yaml:"cluster"`
}

// SeedCluster joins the appliance to a cluster. There are no keys to copy
// between nodes: what the nodes share (signing keys, certificates, the
// internal CA) is in the database, and the first node brings it.
type SeedCluster struct {
	// DatabaseURL of the shared PostgreSQL without the password, e.g.
	// "postgres://buergerbuero@db.musterland.de/buergerbuero?sslmode=verify-full".
	DatabaseURL string `yaml:"database_url"`
	// DatabasePassword of that user. It is written to DBPasswordFile (root
	// only) and handed to the service as a systemd credential, never into
	// the configuration file.
	DatabasePassword string `yaml:"database_password"`
	// NodeURL is this node's own address, e.g.
	// "https://media-a.buergerbuero.musterland.de": rooms placed on this
	// node are reached there (media.node_url).
	NodeURL string `yaml:"node_url"`
}

// DBPasswordFile holds a cluster node's database password (mode 0600,
// root). The service, which runs as a dynamic user, receives it as the
// systemd credential of the same name (config.Secret).
const DBPasswordFile = "/etc/buergerbuero/db-password"

// SeedNetwork is a static address for the appliance's Ethernet interface.
type SeedNetwork struct {
	// Addresses in CIDR notation, e.g. ["192.0.2.10/24"].
	Addresses []string `yaml:"addresses"`
	// Gateway, e.g. "192.0.2.1".
	Gateway string `yaml:"gateway"`
	// DNS servers, e.g. ["192.0.2.53"].
	DNS []string `yaml:"dns"`
}

// SeedTLS mirrors the tls section of the configuration.
type SeedTLS struct {
	// Mode: internal, acme or files.
	Mode string `yaml:"mode"`
	// ACMEDirectory for an internal ACME CA; default Let's Encrypt.
	ACMEDirectory string `yaml:"acme_directory"`
	// CertFile and KeyFile (PEM paths on the appliance) for mode files.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// SeedMatrix names the county's homeserver. It becomes the homeserver
// section of /etc/buergerbuero/bridge.yaml.
type SeedMatrix struct {
	// HomeserverURL, e.g. "https://matrix.musterland.de".
	HomeserverURL string `yaml:"homeserver_url"`
	// ServerName, the domain of Matrix IDs, e.g. "musterland.de".
	ServerName string `yaml:"server_name"`
}

// SeedSSH enables administrator access.
type SeedSSH struct {
	// AuthorizedKeys for root, OpenSSH public key lines.
	AuthorizedKeys []string `yaml:"authorized_keys"`
	// AdminNetworks (CIDR) allowed to reach port 22; required with keys.
	AdminNetworks []string `yaml:"admin_networks"`
}

// ParseSeed decodes a seed strictly (unknown keys are errors) and validates it.
func ParseSeed(b []byte) (*Seed, error) {
	var s Seed
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("seed: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if s.Version == 0 {
		s.Version = 1
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

var fqdnRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// SeedError names the seed field that is wrong and what is allowed.
type SeedError struct{ Field, Problem string }

func (e *SeedError) Error() string { return fmt.Sprintf("seed field %s: %s", e.Field, e.Problem) }

// Validate checks the seed; the configuration it produces is checked again
// by config.Parse in Config.
func (s *Seed) Validate() error {
	if s.Version != 1 {
		return &SeedError{"version", fmt.Sprintf("%d is not supported (allowed: 1)", s.Version)}
	}
	if !fqdnRE.MatchString(s.FQDN) {
		return &SeedError{"fqdn", fmt.Sprintf("%q is not a lower-case host name such as buergerbuero.musterland.de", s.FQDN)}
	}
	if strings.TrimSpace(s.SiteName) == "" {
		return &SeedError{"site_name", "must not be empty"}
	}
	if s.State != "" && !slices.Contains(config.Bundeslaender, s.State) {
		return &SeedError{"state", fmt.Sprintf("%q (allowed: %s or empty)", s.State, strings.Join(config.Bundeslaender, ", "))}
	}
	if _, err := mail.ParseAddress(s.AdminEmail); err != nil || strings.ContainsAny(s.AdminEmail, "<> ") {
		return &SeedError{"admin_email", fmt.Sprintf("%q is not an e-mail address", s.AdminEmail)}
	}
	switch s.TLS.Mode {
	case "internal", "acme":
	case "files":
		if s.TLS.CertFile == "" || s.TLS.KeyFile == "" {
			return &SeedError{"tls.cert_file", "cert_file and key_file are required for mode files"}
		}
	default:
		return &SeedError{"tls.mode", fmt.Sprintf("%q (allowed: internal, acme, files)", s.TLS.Mode)}
	}
	if m := s.Matrix; m != nil {
		if u, err := url.Parse(m.HomeserverURL); err != nil || u.Scheme != "https" || u.Host == "" {
			return &SeedError{"matrix.homeserver_url", fmt.Sprintf("%q is not an https URL", m.HomeserverURL)}
		}
		if !fqdnRE.MatchString(m.ServerName) {
			return &SeedError{"matrix.server_name", fmt.Sprintf("%q is not a domain", m.ServerName)}
		}
	}
	for i, k := range s.SSH.AuthorizedKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k)); err != nil {
			return &SeedError{fmt.Sprintf("ssh.authorized_keys[%d]", i), "not an OpenSSH public key line"}
		}
	}
	for i, n := range s.SSH.AdminNetworks {
		if _, _, err := net.ParseCIDR(n); err != nil {
			return &SeedError{fmt.Sprintf("ssh.admin_networks[%d]", i), fmt.Sprintf("%q is not a CIDR such as 192.0.2.0/24", n)}
		}
	}
	if n := s.Network; n != nil {
		if len(n.Addresses) == 0 {
			return &SeedError{"network.addresses", "required with network (omit network for DHCP)"}
		}
		for i, a := range n.Addresses {
			if _, _, err := net.ParseCIDR(a); err != nil {
				return &SeedError{fmt.Sprintf("network.addresses[%d]", i), fmt.Sprintf("%q is not an address with prefix such as 192.0.2.10/24", a)}
			}
		}
		if n.Gateway != "" && net.ParseIP(n.Gateway) == nil {
			return &SeedError{"network.gateway", fmt.Sprintf("%q is not an IP address", n.Gateway)}
		}
		for i, d := range n.DNS {
			if net.ParseIP(d) == nil {
				return &SeedError{fmt.Sprintf("network.dns[%d]", i), fmt.Sprintf("%q is not an IP address", d)}
			}
		}
	}
	if c := s.Cluster; c != nil {
		if err := c.validate(); err != nil {
			return err
		}
	}
	if len(s.SSH.AuthorizedKeys) > 0 && len(s.SSH.AdminNetworks) == 0 {
		return &SeedError{"ssh.admin_networks", "required when authorized_keys are given"}
	}
	return nil
}

func (c *SeedCluster) validate() error {
	u, err := url.Parse(c.DatabaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return &SeedError{"cluster.database_url", "not a URL such as postgres://buergerbuero@db.musterland.de/buergerbuero"}
	}
	if _, ok := u.User.Password(); ok {
		return &SeedError{"cluster.database_url", "must not contain the password (give it in cluster.database_password)"}
	}
	if strings.TrimSpace(c.DatabasePassword) == "" || strings.ContainsAny(c.DatabasePassword, "\r\n") {
		return &SeedError{"cluster.database_password", "required, on one line"}
	}
	if n, err := url.Parse(c.NodeURL); err != nil || n.Scheme != "https" || n.Host == "" || (n.Path != "" && n.Path != "/") {
		return &SeedError{"cluster.node_url", fmt.Sprintf("%q is not this node's address such as https://media-a.buergerbuero.musterland.de", c.NodeURL)}
	}
	return nil
}

// Config renders /etc/buergerbuero/config.yaml and checks it with the
// appliance's own strict loader.
func (s *Seed) Config() ([]byte, error) {
	type site struct {
		Name      string `yaml:"name"`
		PublicURL string `yaml:"public_url"`
		State     string `yaml:"state,omitempty"`
	}
	type tls struct {
		Mode          string `yaml:"mode"`
		Email         string `yaml:"email"`
		ACMEDirectory string `yaml:"acme_directory,omitempty"`
		CertFile      string `yaml:"cert_file,omitempty"`
		KeyFile       string `yaml:"key_file,omitempty"`
	}
	type store struct {
		Driver       string `yaml:"driver"`
		DSN          string `yaml:"dsn"`
		PasswordFile string `yaml:"password_file"`
	}
	type media struct {
		NodeURL string `yaml:"node_url"`
	}
	out := struct {
		Site  site   `yaml:"site"`
		TLS   tls    `yaml:"tls"`
		Store *store `yaml:"store,omitempty"`
		Media *media `yaml:"media,omitempty"`
	}{
		Site: site{Name: s.SiteName, PublicURL: "https://" + s.FQDN, State: s.State},
		TLS:  tls{Mode: s.TLS.Mode, Email: s.AdminEmail, ACMEDirectory: s.TLS.ACMEDirectory, CertFile: s.TLS.CertFile, KeyFile: s.TLS.KeyFile},
	}
	if c := s.Cluster; c != nil {
		out.Store = &store{Driver: "postgres", DSN: c.DatabaseURL, PasswordFile: DBPasswordFile}
		out.Media = &media{NodeURL: strings.TrimSuffix(c.NodeURL, "/")}
	}
	b, err := yaml.Marshal(out)
	if err != nil {
		return nil, err
	}
	b = append([]byte("# Written by `buergerbuero firstboot`. All settings: /usr/share/buergerbuero/config.example.yaml\n"), b...)
	if s.TLS.Mode == "files" {
		// The certificate may be copied in later; Validate must not require it yet.
		return b, nil
	}
	check := b
	if c := s.Cluster; c != nil {
		// the password file is written by Apply, after this check: check
		// the same configuration with the password in a file of its own
		tmp, err := os.CreateTemp("", "firstboot-db-*")
		if err != nil {
			return nil, err
		}
		defer os.Remove(tmp.Name())
		_, err = tmp.WriteString(c.DatabasePassword)
		if err = errors.Join(err, tmp.Close()); err != nil {
			return nil, err
		}
		out.Store.PasswordFile = tmp.Name()
		if check, err = yaml.Marshal(out); err != nil {
			return nil, err
		}
	}
	if _, err := config.Parse(check); err != nil {
		return nil, fmt.Errorf("generated configuration: %w", err)
	}
	return b, nil
}

// Apply writes the configuration and the operating-system settings below
// root ("/" on the appliance): config.yaml, bridge.yaml (with Matrix),
// root's authorized_keys, the admin network for nftables and, with
// network, a static systemd-networkd configuration.
func (s *Seed) Apply(root, configPath string) error {
	cfg, err := s.Config()
	if err != nil {
		return err
	}
	if s.Matrix != nil {
		// The homeserver section of matrixbridge's configuration; the
		// appservice registration and the service token need the
		// homeserver's administrators, so the bridge stays disabled until
		// an administrator completes the file (images/README.md).
		type homeserver struct {
			Address string `yaml:"address"`
			Domain  string `yaml:"domain"`
		}
		bridge, err := yaml.Marshal(struct {
			Homeserver homeserver `yaml:"homeserver"`
		}{homeserver{s.Matrix.HomeserverURL, s.Matrix.ServerName}})
		if err != nil {
			return err
		}
		head := "# Written by `buergerbuero firstboot` from the seed. Complete appservice,\n" +
			"# appliance and database (see /usr/share/buergerbuero and images/README.md),\n" +
			"# then: systemctl enable --now buergerbuero-bridge.service\n"
		bridgePath := filepath.Join(filepath.Dir(configPath), "bridge.yaml")
		if err := writeFile(root, bridgePath, append([]byte(head), bridge...), 0o644); err != nil {
			return err
		}
	}
	if len(s.SSH.AuthorizedKeys) > 0 {
		keys := strings.Join(s.SSH.AuthorizedKeys, "\n") + "\n"
		if err := writeFile(root, "/root/.ssh/authorized_keys", []byte(keys), 0o600); err != nil {
			return err
		}
	}
	if c := s.Cluster; c != nil {
		if err := writeFile(root, DBPasswordFile, []byte(c.DatabasePassword+"\n"), 0o600); err != nil {
			return err
		}
		dropIn := "# Written by `buergerbuero firstboot` from the seed: the database password\n" +
			"# (root only) reaches the service, which runs as a dynamic user, as a credential.\n" +
			"[Service]\nLoadCredential=" + filepath.Base(DBPasswordFile) + ":" + DBPasswordFile + "\n"
		if err := writeFile(root, "/etc/systemd/system/buergerbuero.service.d/20-database.conf", []byte(dropIn), 0o644); err != nil {
			return err
		}
	}
	if s.Network != nil {
		if err := writeFile(root, "/etc/systemd/network/10-static.network", s.Network.networkd(), 0o644); err != nil {
			return err
		}
	}
	if err := writeFile(root, "/etc/nftables.d/10-admin-net.nft", adminNetRules(s.SSH.AdminNetworks), 0o644); err != nil {
		return err
	}
	// The configuration last: its existence marks setup as done.
	return writeFile(root, configPath, cfg, 0o644)
}

// networkd renders a systemd-networkd file that takes precedence over the
// image's DHCP default (80-dhcp.network).
func (n *SeedNetwork) networkd() []byte {
	var b strings.Builder
	b.WriteString("# Written by `buergerbuero firstboot` from the seed.\n[Match]\nType=ether\nName=en* eth*\n\n[Network]\nLLMNR=no\nMulticastDNS=no\n")
	for _, a := range n.Addresses {
		fmt.Fprintf(&b, "Address=%s\n", a)
	}
	if n.Gateway != "" {
		fmt.Fprintf(&b, "Gateway=%s\n", n.Gateway)
	}
	for _, d := range n.DNS {
		fmt.Fprintf(&b, "DNS=%s\n", d)
	}
	return []byte(b.String())
}

func adminNetRules(nets []string) []byte {
	var b strings.Builder
	b.WriteString("# Written by `buergerbuero firstboot`: networks allowed to reach SSH.\n")
	for _, n := range nets {
		_, ipn, _ := net.ParseCIDR(n)
		set := "admin_net_v6"
		if ipn.IP.To4() != nil {
			set = "admin_net_v4"
		}
		fmt.Fprintf(&b, "add element inet filter %s { %s }\n", set, ipn.String())
	}
	return []byte(b.String())
}

// writeFile replaces root/path atomically.
func writeFile(root, path string, data []byte, mode os.FileMode) error {
	full := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".firstboot-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Chmod(mode), tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), full)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
