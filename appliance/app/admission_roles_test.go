package app

import (
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// TestRoleRightsWithholdMediaKinds: the media admission of a member
// withholds exactly the kinds its rights do not allow, and every external
// role publishes (as the SFU's interpreter role) within them.
func TestRoleRightsWithholdMediaKinds(t *testing.T) {
	for role, want := range map[string]sfu.Kinds{
		consultation.RoleClerk:              0,
		consultation.RoleLawyer:             0,
		consultation.RoleGuardian:           sfu.KindScreen,
		consultation.RoleSignInterpreter:    sfu.KindScreen,
		consultation.RoleWrittenInterpreter: sfu.KindVideo | sfu.KindScreen,
	} {
		if got := withheld(consultation.DefaultRights(role)); got != want {
			t.Errorf("%s withholds %s, want %s", role, got, want)
		}
	}
	if got := withheld(consultation.Rights{Chat: true}); got != sfu.KindAudio|sfu.KindVideo|sfu.KindScreen {
		t.Errorf("no media rights withhold %s", got)
	}
	for _, role := range consultation.ExternalRoles {
		if roleOf(role) != sfu.RoleInterpreter {
			t.Errorf("external role %s is admitted as %s", role, roleOf(role))
		}
	}
}
