package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNotifyExampleAndDefaults(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "bridge.token")
	os.WriteFile(tok, []byte(strings.Repeat("x", 40)), 0o600)
	c, err := Parse([]byte(strings.ReplaceAll(string(Example), "/etc/buergerbuero/bridge.token", tok)))
	if err != nil {
		t.Fatalf("example: %v", err)
	}
	n := c.Notify
	if n == nil || n.Email == nil || n.SMS == nil || n.Email.Port != 587 || n.MaxAttempts != 20 || n.MaxAge.Hours() != 24 {
		t.Fatalf("example notify section parsed as %+v", n)
	}
	c, err = Parse([]byte("site:\n  name: X\n  public_url: https://x.example\nnotify:\n  email:\n    host: relay\n    tls: implicit\n    from: a@x.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := c.Notify.Email; e.Port != 465 || c.Notify.FirstRetry.Seconds() != 30 || c.Notify.MaxRetry.Hours() != 1 {
		t.Errorf("defaults: %+v %+v", e, c.Notify)
	}
	if c, _ := Parse([]byte("site:\n  name: X\n  public_url: https://x.example\n")); c.Notify != nil {
		t.Error("no notify section must mean no notifications")
	}
}

func TestNotifyErrorsNameTheField(t *testing.T) {
	base := "site:\n  name: X\n  public_url: https://x.example\nnotify:\n"
	email := base + "  email:\n    host: relay\n    from: a@x.example\n"
	for _, tc := range []struct{ yaml, want string }{
		{base + "  email:\n    from: a@x.example\n", "notify.email.host"},
		{email + "    tls: ssl\n", "notify.email.tls"},
		{base + "  email:\n    host: relay\n    from: nobody\n", "notify.email.from"},
		{email + "    port: 70000\n", "notify.email.port"},
		{email + "    password: geheim\n", "notify.email.username"},
		{email + "    username: u\n    password: p\n    password_file: /f\n", "notify.email.password_file"},
		{base + "  sms:\n    url: sms.example\n", "notify.sms.url"},
		{base + "  sms:\n    url: https://sms.example\n    method: PATCH\n", "notify.sms.method"},
		{base + "  sms:\n    url: https://sms.example\n    body: '{{.To'\n", "notify.sms.body"},
		{base + "  max_attempts: -1\n", "notify.max_attempts"},
		{base + "  first_retry: 2h\n  max_retry: 1h\n", "notify.max_retry"},
		{base + "  email:\n    host: relay\n    from: a@x.example\n    sender: b\n", "sender"},
	} {
		_, err := Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to name %s", tc.yaml, err, tc.want)
		}
	}
}

// TestSecretFromSystemdCredential: the service, running as a dynamic user,
// cannot read root's password file; it reads the credential systemd
// loaded from that file (LoadCredential=NAME:FILE), found by the file's
// name. Without a credential the error names the field.
func TestSecretFromSystemdCredential(t *testing.T) {
	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "db-password"), []byte("geheim\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(t.TempDir(), "etc", "db-password") // not there for this process
	if _, err := Secret("store.password_file", "", unreadable); err == nil || !strings.Contains(err.Error(), "store.password_file") {
		t.Fatalf("without a credential: %v, want an error naming store.password_file", err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	if got, err := Secret("store.password_file", "", unreadable); err != nil || got != "geheim" {
		t.Fatalf("with the credential: %q, %v", got, err)
	}
	if _, err := Secret("store.password_file", "", filepath.Join(t.TempDir(), "other")); err == nil {
		t.Fatal("a file without a credential of its name was read")
	}
}
