// Package ldaptest runs Debian's slapd for tests: a throw-away directory
// as the current user on a loopback port, with a generated slapd.conf, a
// test tree loaded by slapadd (a search account, users, groups, a nested
// group) and a TLS certificate generated for StartTLS. Shared starts one
// per test package (stop it with Main or Stop); Start starts a private
// one a test may stop. A missing slapd fails the test with the install
// hint: scripts/test installs it.
package ldaptest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

// Binaries of Debian's slapd package.
const (
	Slapd   = "/usr/sbin/slapd"
	Slapadd = "/usr/sbin/slapadd"
)

// The test tree.
const (
	Base          = "dc=kreis,dc=test"
	People        = "ou=people," + Base
	Groups        = "ou=groups," + Base
	AdminDN       = "cn=admin," + Base
	AdminPassword = "admin-secret"
	BindDN        = "cn=svc-buergerbuero,ou=dienste," + Base
	BindPassword  = "search-secret"
	// GroupBauamt contains GroupBauamtTeam: a member of the team is a
	// member of the Bauamt through nesting only.
	GroupBauamt     = "cn=gg-bauamt," + Groups
	GroupBauamtTeam = "cn=gg-bauamt-team," + Groups
	// GroupOther maps to nothing.
	GroupOther = "cn=gg-kantine," + Groups
)

// Options of a private server.
type Options struct {
	// NoTLS starts a directory without a certificate (StartTLS refused).
	NoTLS bool
}

// Server is one running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:<port>.
	URL string
	// CAFile is the PEM of the CA that signed the server's certificate
	// ("" with NoTLS).
	CAFile string

	dir, conf string
	mu        sync.Mutex
	cmd       *exec.Cmd
	exited    chan struct{}
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// Shared returns the package's directory, starting it on first use.
func Shared(t testing.TB) *Server {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ldaptest-")
		if err != nil {
			sharedErr = err
			return
		}
		shared, sharedErr = start(dir, Options{})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// Main runs the package's tests and stops the shared directory; call it
// from TestMain (or call Stop there).
func Main(m interface{ Run() int }) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop ends the shared directory if it runs and removes its files.
func Stop() {
	if shared != nil {
		shared.Stop()
		os.RemoveAll(shared.dir)
	}
}

// Start starts a private directory, stopped when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := start(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func start(dir string, opts Options) (*Server, error) {
	for _, b := range []string{Slapd, Slapadd} {
		if _, err := os.Stat(b); err != nil {
			return nil, fmt.Errorf("%s not found: install Debian's slapd (apt-get install slapd ldap-utils; scripts/test does this)", b)
		}
	}
	s := &Server{dir: dir, conf: filepath.Join(dir, "slapd.conf")}
	tlsLines := ""
	if !opts.NoTLS {
		if err := writeCerts(dir); err != nil {
			return nil, err
		}
		s.CAFile = filepath.Join(dir, "ca.pem")
		tlsLines = fmt.Sprintf("TLSCACertificateFile %s\nTLSCertificateFile %s\nTLSCertificateKeyFile %s\n",
			s.CAFile, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		return nil, err
	}
	conf := `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ` + filepath.Join(dir, "slapd.pid") + `
argsfile ` + filepath.Join(dir, "slapd.args") + `
` + tlsLines + `
database mdb
suffix "` + Base + `"
rootdn "` + AdminDN + `"
rootpw ` + AdminPassword + `
directory ` + filepath.Join(dir, "db") + `
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
`
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	ldif := filepath.Join(dir, "tree.ldif")
	if err := os.WriteFile(ldif, []byte(tree), 0o600); err != nil {
		return nil, err
	}
	if out, err := exec.Command(Slapadd, "-f", s.conf, "-l", ldif).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("slapadd: %v: %s", err, out)
	}
	port, err := freeport.Get("tcp", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	s.URL = "ldap://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := s.run(); err != nil {
		return nil, err
	}
	return s, nil
}

// run starts slapd in the foreground and waits until it answers.
func (s *Server) run() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(Slapd, "-f", s.conf, "-h", s.URL+"/", "-d", "0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := ldap.DialURL(s.URL)
		if err == nil {
			err = c.Bind(AdminDN, AdminPassword)
			c.Close()
			if err == nil {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("slapd exited: %s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("slapd did not answer on %s: %v", s.URL, err)
		}
	}
}

// Stop ends slapd (the directory becomes unreachable); Restart brings it
// back on the same port with the same data.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// Restart starts a stopped server again.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.run(); err != nil {
		t.Fatal(err)
	}
}

// admin opens a connection bound as the directory's root.
func (s *Server) admin(t testing.TB) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Bind(AdminDN, AdminPassword); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

// UserDN is the DN of a user.
func UserDN(uid string) string { return "uid=" + ldap.EscapeDN(uid) + "," + People }

// AddUser adds a user with a password and a display name as a direct
// member of groups (DNs).
func (s *Server) AddUser(t testing.TB, uid, password, name string, groups ...string) {
	t.Helper()
	c := s.admin(t)
	defer c.Close()
	a := ldap.NewAddRequest(UserDN(uid), nil)
	a.Attribute("objectClass", []string{"inetOrgPerson"})
	a.Attribute("uid", []string{uid})
	a.Attribute("cn", []string{name})
	a.Attribute("sn", []string{name})
	a.Attribute("displayName", []string{name})
	a.Attribute("userPassword", []string{password})
	if err := c.Add(a); err != nil {
		t.Fatalf("add %s: %v", uid, err)
	}
	for _, g := range groups {
		m := ldap.NewModifyRequest(g, nil)
		m.Add("member", []string{UserDN(uid)})
		if err := c.Modify(m); err != nil {
			t.Fatalf("add %s to %s: %v", uid, g, err)
		}
	}
}

// RemoveFromGroup takes a user out of a group.
func (s *Server) RemoveFromGroup(t testing.TB, uid, group string) {
	t.Helper()
	c := s.admin(t)
	defer c.Close()
	m := ldap.NewModifyRequest(group, nil)
	m.Delete("member", []string{UserDN(uid)})
	if err := c.Modify(m); err != nil {
		t.Fatalf("remove %s from %s: %v", uid, group, err)
	}
}

// DeleteUser removes a user from the directory (group memberships stay
// as dangling DNs, as after a careless deletion).
func (s *Server) DeleteUser(t testing.TB, uid string) {
	t.Helper()
	c := s.admin(t)
	defer c.Close()
	if err := c.Del(ldap.NewDelRequest(UserDN(uid), nil)); err != nil {
		t.Fatalf("delete %s: %v", uid, err)
	}
}

// tree: groupOfNames needs a member; the placeholder is the search account.
const tree = `dn: ` + Base + `
objectClass: dcObject
objectClass: organization
dc: kreis
o: Landkreis Test

dn: ou=dienste,` + Base + `
objectClass: organizationalUnit
ou: dienste

dn: ` + BindDN + `
objectClass: person
cn: svc-buergerbuero
sn: svc
userPassword: ` + BindPassword + `

dn: ` + People + `
objectClass: organizationalUnit
ou: people

dn: ` + Groups + `
objectClass: organizationalUnit
ou: groups

dn: ` + GroupBauamtTeam + `
objectClass: groupOfNames
cn: gg-bauamt-team
member: ` + BindDN + `

dn: ` + GroupBauamt + `
objectClass: groupOfNames
cn: gg-bauamt
member: ` + GroupBauamtTeam + `

dn: ` + GroupOther + `
objectClass: groupOfNames
cn: gg-kantine
member: ` + BindDN + `
`
