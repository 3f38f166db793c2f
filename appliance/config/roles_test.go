package config

import (
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

const rolesBase = "site:\n  name: X\n  public_url: https://x.example\n"

// TestRolesConfigErrorsNameTheField: an unknown role or right is refused
// with the field and the allowed values.
func TestRolesConfigErrorsNameTheField(t *testing.T) {
	office := "offices:\n  - id: bauamt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n"
	for _, c := range []struct{ yaml, field, allowed string }{
		{rolesBase + "roles:\n  betreuer: [chat]\n", "roles", "guardian"},
		{rolesBase + "roles:\n  guardian: [chat, telefon]\n", "roles.guardian[1]", "see_concern"},
		{rolesBase + office + "    roles:\n      lawyer: [camera, upload, fax]\n", "offices[0].roles.lawyer[2]", "microphone"},
		{rolesBase + office + "    roles:\n      citizen: [chat]\n", "offices[0].roles", "written_interpreter"},
	} {
		_, err := Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), c.allowed) {
			t.Errorf("%q: error %v, want one naming %s and allowing %s", c.yaml, err, c.field, c.allowed)
		}
	}
}

// TestRolePolicyDefaultsAndOverrides: without a roles section every role
// has its documented default; the site default replaces a role's list, and
// an office's list replaces the site's for that office only.
func TestRolePolicyDefaultsAndOverrides(t *testing.T) {
	c, err := Parse([]byte(rolesBase))
	if err != nil {
		t.Fatal(err)
	}
	p := c.RolePolicy()
	for _, role := range consultation.ExternalRoles {
		if got, want := p.Rights("any", role), consultation.DefaultRights(role); got != want {
			t.Errorf("%s without configuration: %+v, want the default %+v", role, got, want)
		}
	}
	c, err = Parse([]byte(rolesBase + "roles:\n  guardian: [chat]\n" +
		"offices:\n  - id: bauamt\n    name: Bauamt\n    prefix: B\n    chairs: 1\n    roles:\n      guardian: [chat, upload]\n" +
		"  - id: amt2\n    name: Amt 2\n    prefix: C\n    chairs: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	p = c.RolePolicy()
	if got := p.Rights("amt2", consultation.RoleGuardian); got != (consultation.Rights{Chat: true}) {
		t.Errorf("guardian with the site's list: %+v", got)
	}
	if got := p.Rights("bauamt", consultation.RoleGuardian); got != (consultation.Rights{Chat: true, Upload: true}) {
		t.Errorf("guardian in the office that overrides: %+v", got)
	}
	if got := p.Rights("bauamt", consultation.RoleLawyer); got != consultation.DefaultRights(consultation.RoleLawyer) {
		t.Errorf("a role the configuration does not name lost its default: %+v", got)
	}
	if got := p.Rights("bauamt", consultation.RoleCitizen); !got.Upload || !got.SeeConcern {
		t.Errorf("the citizen is not configurable: %+v", got)
	}
}
