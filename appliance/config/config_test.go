package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestExampleIsValid(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "bridge.token")
	os.WriteFile(tok, []byte(strings.Repeat("x", 40)), 0o600)
	b := strings.ReplaceAll(string(Example), "/etc/buergerbuero/bridge.token", tok)
	c, err := Parse([]byte(b))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if s := c.Offices[0].Services; len(s) != 2 || s[0].Languages[1] != "en" || s[1].Mode != "walk_in" || c.Offices[0].Appointments.Chairs["thu"] != 1 || c.Appointments.Reminders[1].Minutes() != 15 {
		t.Fatalf("example services parsed wrongly: %+v %+v", s, c.Appointments)
	}
	if c.Offices[0].Hours["thu"][1] != "13:00-18:00" || c.Reception.GracePeriod.Minutes() != 2 || c.TLS.Domains[0] != "buergerbuero.musterland.de" {
		t.Fatalf("example parsed wrongly: %+v", c)
	}
}

func TestErrorsNameTheField(t *testing.T) {
	base := "site:\n  name: X\n  public_url: https://x.example\n"
	cases := []struct{ yaml, want string }{
		{base + "tls:\n  mode: letsencrypt\n", "tls.mode"},
		{base + "site2: {}\n", "site2"},
		{base + "reception:\n  grace_period: zwei Minuten\n", "duration"},
		{base + "reception:\n  max_queue: 0\n", "reception.max_queue"},
		{"site:\n  name: X\n  public_url: https://x.example\n  state: Hessen\n", "site.state"},
		{base + "store:\n  driver: mysql\n", "store.driver"},
		{base + "offices:\n  - id: Bau Amt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n", "offices[0].id"},
		{base + "offices:\n  - id: bauamt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n    hours: {monday: [\"08:00-12:00\"]}\n", "offices[0].hours"},
		{base + "offices:\n  - id: bauamt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n    hours: {mon: [\"08:00-25:00\"]}\n", "offices[0].hours.mon[0]"},
		{base + "api:\n  service_tokens:\n    - name: bridge\n      token: short\n", "api.service_tokens[0].token"},
		{base + "http:\n  frame_ancestors: [\"www.kreis.de\"]\n", "http.frame_ancestors[0]"},
		{base + "http:\n  staff_networks: [\"10.0.0.0\"]\n", "http.staff_networks[0]"},
		{base + "http:\n  proof_of_work: {max_number: 10}\n", "http.proof_of_work.max_number"},
		{base + "http:\n  proof_of_work: {expiry: 2h}\n", "http.proof_of_work.expiry"},
		{base + "auth:\n  lockout_threshold: 5\n", "lockout_threshold"},
		{base + "auth:\n  address_attempts: 0\n", "auth.address_attempts"},
		{base + "auth:\n  account_max_delay: 2h\n", "auth.account_max_delay"},
		{base + "auth:\n  throttle_forget: 10m\n", "auth.throttle_forget"},
		{base + "auth:\n  session_idle: 0s\n", "auth.session_idle"},
		{base + "auth:\n  session_idle: 11h\n", "auth.session_idle"},
		{base + "  privacy:\n    dpo_email: datenschutz at kreis\n", "site.privacy.dpo_email"},
		{base + "  locale_dir: /nonexistent/locale\n", "site.locale_dir"},
		{base + "appointments:\n  release_at: 7 Uhr\n", "appointments.release_at"},
		{base + "appointments:\n  hold_ttl: 2h\n", "appointments.hold_ttl"},
		{base + "appointments:\n  reminders: [24h, 0s]\n", "appointments.reminders[1]"},
		{base + "offices:\n  - id: bauamt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n    services:\n      - {id: ausweis, name: Ausweis, duration: 7m}\n", "offices[0].services[0].duration"},
		{base + "offices:\n  - id: bauamt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n    services:\n      - {id: ausweis, name: Ausweis, duration: 15m, mode: online}\n", "offices[0].services[0].mode"},
		{base + "offices:\n  - id: bauamt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n    appointments:\n      chairs: {mon: 2}\n", "offices[0].appointments.chairs.mon"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("config %q: error %v, want one naming %q", c.yaml, err, c.want)
		}
	}
	_, err := Parse([]byte(base + "tls:\n  mode: letsencrypt\n"))
	var fe *FieldError
	if !errors.As(err, &fe) || !strings.Contains(fe.Allowed, "acme") {
		t.Errorf("allowed values missing: %v", err)
	}
}

// TestEveryFieldHasATag: strict loading only works when every field is
// reachable under a documented key.
func TestEveryFieldHasATag(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		for i := 0; i < ty.NumField(); i++ {
			f := ty.Field(i)
			if f.Type == reflect.TypeOf(Duration{}) {
				if f.Tag.Get("yaml") == "" {
					t.Errorf("%s.%s has no yaml tag", path, f.Name)
				}
				continue
			}
			if f.Tag.Get("yaml") == "" {
				t.Errorf("%s.%s has no yaml tag", path, f.Name)
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Duration{}) { // []Duration
				walk(ft, path+"."+f.Tag.Get("yaml"))
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}
