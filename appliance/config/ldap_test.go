package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLDAPConfigErrorsNameTheField(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "ldap.password")
	if err := os.WriteFile(pw, []byte("geheim\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := "site:\n  name: X\n  public_url: https://x.example\nauth:\n  ldap:\n"
	good := func(url, extra string) string {
		return base + "    url: " + url + "\n    bind_dn: cn=svc,dc=kreis\n    bind_password_file: " + pw +
			"\n    user_base: ou=people,dc=kreis\n    group_base: ou=groups,dc=kreis\n" + extra
	}
	group := "    groups: [{dn: 'cn=gg-bauamt,ou=groups,dc=kreis', offices: [bauamt]}]\n"
	c, err := Parse([]byte(good("ldap://dc1.kreis.local", group)))
	if err != nil {
		t.Fatalf("valid LDAP config: %v", err)
	}
	if l := c.Auth.LDAP; l.TLS != LDAPStartTLS || l.Nested != "auto" || l.UserFilter != "(sAMAccountName={login})" || l.Recheck.Minutes() != 5 || l.Groups[0].Role != "clerk" {
		t.Fatalf("defaults: %+v", l)
	}
	for _, tc := range []struct{ yaml, want string }{
		{good("https://dc1.kreis.local", group), "auth.ldap.url"},
		{good("ldap://dc1.kreis.local", group+"    tls: none\n"), "auth.ldap.tls"},
		{good("ldaps://dc1.kreis.local", group+"    tls: starttls\n"), "auth.ldap.tls"},
		{good("ldaps://dc1.kreis.local", group+"    ca_file: /nonexistent/ca.pem\n"), "auth.ldap.ca_file"},
		{strings.Replace(good("ldaps://dc1", group), pw, "/nonexistent/pw", 1), "auth.ldap.bind_password_file"},
		{good("ldaps://dc1", group+"    user_filter: (uid=lena)\n"), "auth.ldap.user_filter"},
		{good("ldaps://dc1", group+"    nested: recursive\n"), "auth.ldap.nested"},
		{good("ldaps://dc1", group+"    nested_depth: 50\n"), "auth.ldap.nested_depth"},
		{good("ldaps://dc1", ""), "auth.ldap.groups"},
		{good("ldaps://dc1", "    groups: [{dn: bauamt, offices: [bauamt]}]\n"), "auth.ldap.groups[0].dn"},
		{good("ldaps://dc1", "    groups: [{dn: 'cn=x', offices: [bauamt], role: chef}]\n"), "auth.ldap.groups[0].role"},
		{good("ldaps://dc1", group+"    recheck: 0.5s\n"), "auth.ldap.recheck"},
	} {
		_, err := Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to name %s", tc.yaml, err, tc.want)
		}
	}
}
