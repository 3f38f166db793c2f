package firstboot

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test"

const goodSeed = `version: 1
fqdn: buergerbuero.musterland.de
site_name: Landkreis Musterland
state: HE
admin_email: it@musterland.de
tls:
  mode: acme
matrix:
  homeserver_url: https://matrix.musterland.de
  server_name: musterland.de
ssh:
  authorized_keys: ["` + testKey + `"]
  admin_networks: [10.20.0.0/16, "2001:db8::/32"]
network:
  addresses: [192.0.2.10/24]
  gateway: 192.0.2.1
  dns: [192.0.2.53]
`

func TestSeedValidation(t *testing.T) {
	tests := []struct {
		name, seed, field string
	}{
		{"good", goodSeed, ""},
		{"unknown key", goodSeed + "extra: 1\n", "field extra not found"},
		{"bad fqdn", strings.Replace(goodSeed, "buergerbuero.musterland.de", "Not A Host", 1), "fqdn"},
		{"bad state", strings.Replace(goodSeed, "state: HE", "state: XX", 1), "state"},
		{"bad mode", strings.Replace(goodSeed, "mode: acme", "mode: magic", 1), "tls.mode"},
		{"bad email", strings.Replace(goodSeed, "it@musterland.de", "nobody", 1), "admin_email"},
		{"bad key", strings.Replace(goodSeed, testKey, "ssh-rsa nonsense", 1), "ssh.authorized_keys[0]"},
		{"key without network", strings.Replace(goodSeed, `admin_networks: [10.20.0.0/16, "2001:db8::/32"]`, "admin_networks: []", 1), "ssh.admin_networks"},
		{"bad address", strings.Replace(goodSeed, "192.0.2.10/24", "192.0.2.10", 1), "network.addresses[0]"},
		{"bad matrix", strings.Replace(goodSeed, "https://matrix.musterland.de", "matrix", 1), "matrix.homeserver_url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSeed([]byte(tc.seed))
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %v, want one naming %q", err, tc.field)
			}
		})
	}
}

func TestApplySeed(t *testing.T) {
	root := t.TempDir()
	seedFile := filepath.Join(root, "seed.yaml")
	os.WriteFile(seedFile, []byte(goodSeed), 0o600)
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"--seed", seedFile, "--os-root", root}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	cfg, err := config.Load(filepath.Join(root, "etc/buergerbuero/config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Site.PublicURL != "https://buergerbuero.musterland.de" || cfg.TLS.Mode != "acme" || cfg.TLS.Email != "it@musterland.de" || cfg.Site.State != "HE" {
		t.Errorf("config %+v %+v", cfg.Site, cfg.TLS)
	}
	for path, want := range map[string]string{
		"root/.ssh/authorized_keys":       testKey,
		"etc/nftables.d/10-admin-net.nft": "add element inet filter admin_net_v4 { 10.20.0.0/16 }\nadd element inet filter admin_net_v6 { 2001:db8::/32 }",
		"etc/buergerbuero/bridge.yaml":    "address: https://matrix.musterland.de\n    domain: musterland.de",
	} {
		b, err := os.ReadFile(filepath.Join(root, path))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s = %q, %v; want it to contain %q", path, b, err, want)
		}
	}
}

const clusterSeed = `cluster:
  database_url: postgres://buergerbuero@db.musterland.de/buergerbuero?sslmode=verify-full
  database_password: "s3cr3t Passwort"
  node_url: https://media-b.buergerbuero.musterland.de
`

// TestSeedJoinsACluster: a seed with the shared PostgreSQL and this node's
// address makes a cluster node: the configuration names the database and
// the node, the password is in a root-only file handed to the service as a
// systemd credential and never in the configuration; bad values name
// their field.
func TestSeedJoinsACluster(t *testing.T) {
	for name, tc := range map[string]struct{ from, to, field string }{
		"password in the URL": {"postgres://buergerbuero@", "postgres://buergerbuero:pw@", "cluster.database_url"},
		"not postgres":        {"postgres://buergerbuero@db", "mysql://buergerbuero@db", "cluster.database_url"},
		"no database":         {"musterland.de/buergerbuero?", "musterland.de/?", "cluster.database_url"},
		"no password":         {`"s3cr3t Passwort"`, `""`, "cluster.database_password"},
		"node not https":      {"https://media-b", "http://media-b", "cluster.node_url"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSeed([]byte(goodSeed + strings.Replace(clusterSeed, tc.from, tc.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %v, want one naming %s", err, tc.field)
			}
		})
	}

	root := t.TempDir()
	seedFile := filepath.Join(root, "seed.yaml")
	os.WriteFile(seedFile, []byte(goodSeed+clusterSeed), 0o600)
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"--seed", seedFile, "--os-root", root}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	confPath := filepath.Join(root, "etc/buergerbuero/config.yaml")
	conf, err := os.ReadFile(confPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(conf), "s3cr3t") {
		t.Error("the database password is in config.yaml")
	}
	pw := filepath.Join(root, DBPasswordFile)
	// loaded as on the appliance, where the seed's root is /
	cfg, err := config.Parse([]byte(strings.ReplaceAll(string(conf), DBPasswordFile, pw)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store.Driver != "postgres" || cfg.Store.DSN != "postgres://buergerbuero@db.musterland.de/buergerbuero?sslmode=verify-full" ||
		cfg.Store.PasswordFile != pw || cfg.Media.NodeURL != "https://media-b.buergerbuero.musterland.de" {
		t.Errorf("store %+v, media.node_url %q", cfg.Store, cfg.Media.NodeURL)
	}
	if !strings.Contains(string(conf), "password_file: "+DBPasswordFile) {
		t.Errorf("config.yaml does not name %s:\n%s", DBPasswordFile, conf)
	}
	if b, err := os.ReadFile(pw); err != nil || string(b) != "s3cr3t Passwort\n" {
		t.Errorf("password file %q, %v", b, err)
	}
	if fi, err := os.Stat(pw); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, %v; want 0600", fi.Mode(), err)
	}
	dropIn, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/buergerbuero.service.d/20-database.conf"))
	if err != nil || !strings.Contains(string(dropIn), "[Service]\nLoadCredential=db-password:/etc/buergerbuero/db-password\n") {
		t.Errorf("drop-in %q, %v", dropIn, err)
	}
	// the service reads the credential systemd loads from that file
	creds := t.TempDir()
	os.WriteFile(filepath.Join(creds, "db-password"), []byte("s3cr3t Passwort\n"), 0o600)
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	cfg.Store.PasswordFile = filepath.Join(t.TempDir(), "db-password") // not readable here, as for the dynamic user
	if got, err := cfg.Store.Password(); err != nil || got != "s3cr3t Passwort" {
		t.Errorf("the service's password: %q, %v", got, err)
	}
}

func TestSetupPage(t *testing.T) {
	root := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := selfSigned([]net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &setupServer{token: newToken(), root: root, conf: "/etc/buergerbuero/config.yaml", log: discardLogger(), done: make(chan struct{})}
	served := make(chan error, 1)
	go func() { served <- serveSetup(context.Background(), ln, s, cert) }()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	base := "https://" + ln.Addr().String()

	resp, err := c.Get(base + "/setup?token=wrong")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong token: status %d", resp.StatusCode)
	}
	resp, err = c.Get(base + "/setup?token=" + s.token)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Adresse (FQDN)") || !strings.Contains(string(body), "host name") {
		t.Errorf("form: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "<script") || strings.Contains(string(body), "style=") || strings.Contains(string(body), "<style") {
		t.Error("setup page has inline script or style")
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != csp {
		t.Errorf("CSP %q", got)
	}

	form := url.Values{"token": {s.token}, "site_name": {"Landkreis Musterland"}, "fqdn": {"bb.musterland.de"}, "state": {"HE"},
		"admin_email": {"it@musterland.de"}, "tls_mode": {"internal"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("fqdn", "no such host")
	if resp, err = c.PostForm(base+"/setup", bad); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("invalid answers: status %d", resp.StatusCode)
	}
	if resp, err = c.PostForm(base+"/setup", form); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("valid answers: status %d", resp.StatusCode)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("setup server did not stop after completion")
	}
	cfg, err := config.Load(filepath.Join(root, "etc/buergerbuero/config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Site.PublicURL != "https://bb.musterland.de" || cfg.TLS.Mode != "internal" {
		t.Errorf("config %+v", cfg)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
