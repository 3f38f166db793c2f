package ldapauth_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// fakeAD answers like Active Directory as far as sign-in needs it: its
// root DSE says Active Directory, and it knows the user's nested group
// only through LDAP_MATCHING_RULE_IN_CHAIN (slapd has no such rule).
type fakeAD struct {
	mu      sync.Mutex
	filters []string // group searches
}

const (
	adUser  = "CN=Lena Hoffmann,OU=Mitarbeitende,DC=kreis,DC=local"
	adGroup = "CN=GG-Bauamt,OU=Gruppen,DC=kreis,DC=local"
)

func (f *fakeAD) serve(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.conn(c)
		}
	}()
	return "ldap://" + ln.Addr().String()
}

func (f *fakeAD) conn(c net.Conn) {
	defer c.Close()
	for {
		p, err := ber.ReadPacket(c)
		if err != nil || len(p.Children) < 2 {
			return
		}
		id, op := p.Children[0].Value, p.Children[1]
		switch op.Tag {
		case ldap.ApplicationBindRequest:
			code := ldap.LDAPResultSuccess
			if op.Children[2].Data.String() != "pw" {
				code = ldap.LDAPResultInvalidCredentials
			}
			f.reply(c, id, ldap.ApplicationBindResponse, code)
		case ldap.ApplicationSearchRequest:
			base := op.Children[0].Value.(string)
			filter, _ := ldap.DecompileFilter(op.Children[6])
			switch {
			case base == "":
				f.entry(c, id, "", "supportedCapabilities", "1.2.840.113556.1.4.800")
			case strings.HasPrefix(base, "OU=Mitarbeitende") && strings.Contains(filter, "sAMAccountName=lena"):
				f.entry(c, id, adUser, "displayName", "Lena Hoffmann")
			case strings.HasPrefix(base, "OU=Gruppen"):
				f.mu.Lock()
				f.filters = append(f.filters, filter)
				f.mu.Unlock()
				if strings.Contains(filter, ldapauth.InChainOID) {
					f.entry(c, id, adGroup, "cn", "GG-Bauamt")
				}
			}
			f.reply(c, id, ldap.ApplicationSearchResultDone, ldap.LDAPResultSuccess)
		default: // unbind
			return
		}
	}
}

func (f *fakeAD) reply(c net.Conn, id any, app ber.Tag, code int) {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	r := ber.Encode(ber.ClassApplication, ber.TypeConstructed, app, nil, "")
	r.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(code), ""))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
	p.AppendChild(r)
	c.Write(p.Bytes())
}

func (f *fakeAD) entry(c net.Conn, id any, dn, attr, value string) {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	e := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "")
	e.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, ""))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, attr, ""))
	vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
	vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, value, ""))
	a.AppendChild(vals)
	attrs.AppendChild(a)
	e.AppendChild(attrs)
	p.AppendChild(e)
	c.Write(p.Bytes())
}

// TestLDAPActiveDirectoryInChain: against Active Directory ("auto"
// detects it) the nested groups come from one search with
// LDAP_MATCHING_RULE_IN_CHAIN on the user's DN.
func TestLDAPActiveDirectoryInChain(t *testing.T) {
	ad := &fakeAD{}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("pw"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.LDAP{URL: ad.serve(t), TLS: config.LDAPNoTLS, BindDN: "CN=svc,DC=kreis,DC=local", BindPasswordFile: pw,
		UserBase: "OU=Mitarbeitende,DC=kreis,DC=local", GroupBase: "OU=Gruppen,DC=kreis,DC=local",
		Groups: []config.LDAPGroup{{DN: "cn=gg-bauamt,ou=gruppen,dc=kreis,dc=local", Offices: []string{"bauamt"}, Role: "lead"}}}
	d, err := ldapauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Authenticate(context.Background(), "Lena", "pw")
	if err != nil {
		t.Fatalf("sign-in at Active Directory: %v", err)
	}
	if c.Login != "lena" || c.Role != staff.RoleLead || !slices.Equal(c.Offices, []string{"bauamt"}) || c.DisplayName != "Lena Hoffmann" {
		t.Fatalf("clerk %+v", c)
	}
	ad.mu.Lock()
	defer ad.mu.Unlock()
	want := "(member:" + ldapauth.InChainOID + ":=" + adUser + ")"
	if len(ad.filters) != 1 || !strings.Contains(ad.filters[0], want) {
		t.Fatalf("group searches %q, want one with %s", ad.filters, want)
	}
	if _, err := d.Authenticate(context.Background(), "lena", "falsch"); err != staff.ErrLogin {
		t.Fatalf("wrong password at Active Directory: %v", err)
	}
}
