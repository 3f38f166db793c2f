package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// Roles gives external roles their rights in a room: role → the rights it
// has, e.g. guardian: [camera, microphone, chat, download, see_concern].
// Roles: interpreter, sign_interpreter, written_interpreter, guardian,
// lawyer, authority, guest. Rights: camera, microphone, screen, chat,
// download, upload, see_concern. The site default is the top-level
// `roles:`; an office's `roles:` replaces the list of the roles it names.
// A role named nowhere keeps its default (docs/roles.md); clerk and
// citizen are not configurable.
type Roles map[string][]string

// defaultRoles is the rights table of docs/roles.md, written out so the
// effective configuration shows it.
func defaultRoles() Roles {
	out := Roles{}
	for _, role := range consultation.ExternalRoles {
		out[role] = consultation.DefaultRights(role).Names()
	}
	return out
}

// validate checks role and right names; field is where the map sits.
func (rs Roles) validate(field string) error {
	for role, rights := range rs {
		if !slices.Contains(consultation.ExternalRoles, role) {
			return bad(field, fmt.Sprintf("unknown role %q", role), strings.Join(consultation.ExternalRoles, ", "))
		}
		for i, r := range rights {
			if !slices.Contains(consultation.RightNames, r) {
				return bad(fmt.Sprintf("%s.%s[%d]", field, role, i), fmt.Sprintf("%q", r), strings.Join(consultation.RightNames, ", "))
			}
		}
	}
	return nil
}

func (rs Roles) rights() map[string]consultation.Rights {
	out := map[string]consultation.Rights{}
	for role, names := range rs {
		r, err := consultation.ParseRights(names)
		if err == nil {
			out[role] = r
		}
	}
	return out
}

// RolePolicy is the rights of the external roles as the consultation
// applies them: the site default and each configured office's overrides.
func (c *Config) RolePolicy() consultation.Policy {
	p := consultation.Policy{Site: c.Roles.rights(), Offices: map[string]map[string]consultation.Rights{}}
	for _, o := range c.Offices {
		if len(o.Roles) > 0 {
			p.Offices[o.ID] = o.Roles.rights()
		}
	}
	return p
}
