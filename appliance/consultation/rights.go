package consultation

import (
	"fmt"
	"slices"
	"strings"
)

// Rights are what a member may do in a room. The consultation enforces
// Chat (post a message), Upload (post a file), Download (fetch a file) and
// SeeConcern (the concern in the room view); Camera, Microphone and Screen
// travel in the media admission, and the SFU refuses the kinds a member
// may not publish.
type Rights struct {
	Camera, Microphone, Screen, Chat, Download, Upload, SeeConcern bool
}

// Member is the caller's identity within a room: a member of staff, the
// admitted citizen, or an invited external participant, with their role
// and rights.
type Member struct {
	Role     string
	Identity string // clerk login, ticket number, or participant pseudonym
	Name     string // the person's own name as given (may be empty for externals)
	// Language an external participant interprets into (interpreters), or "".
	Language string
	Rights   Rights
}

// NewMember returns a member with the default rights of its role.
func NewMember(role, identity, name string) Member {
	return Member{Role: role, Identity: identity, Name: name, Rights: DefaultRights(role)}
}

// Right names as the configuration writes them (offices[].roles).
const (
	RightCamera     = "camera"
	RightMicrophone = "microphone"
	RightScreen     = "screen"
	RightChat       = "chat"
	RightDownload   = "download"
	RightUpload     = "upload"
	RightSeeConcern = "see_concern"
)

// RightNames are all rights, in the order of the documented matrix.
var RightNames = []string{RightCamera, RightMicrophone, RightScreen, RightChat, RightDownload, RightUpload, RightSeeConcern}

// field maps a right name to its flag in r.
func (r *Rights) field(name string) *bool {
	switch name {
	case RightCamera:
		return &r.Camera
	case RightMicrophone:
		return &r.Microphone
	case RightScreen:
		return &r.Screen
	case RightChat:
		return &r.Chat
	case RightDownload:
		return &r.Download
	case RightUpload:
		return &r.Upload
	case RightSeeConcern:
		return &r.SeeConcern
	}
	return nil
}

// ParseRights reads a list of right names ([camera, chat]); an unknown
// name is an error that names it.
func ParseRights(names []string) (Rights, error) {
	var r Rights
	for _, n := range names {
		f := r.field(strings.TrimSpace(n))
		if f == nil {
			return Rights{}, fmt.Errorf("unknown right %q (allowed: %s)", n, strings.Join(RightNames, ", "))
		}
		*f = true
	}
	return r, nil
}

// Names lists the rights r grants, in the order of RightNames.
func (r Rights) Names() []string {
	out := []string{}
	for _, n := range RightNames {
		if *r.field(n) {
			out = append(out, n)
		}
	}
	return out
}

// DefaultRights are a role's rights where the configuration says nothing
// (the table in docs/roles.md). Clerk and citizen may do everything; the
// interpreter and the guest keep what they had before roles (everything
// but the concern); the newer roles get what their task needs.
func DefaultRights(role string) Rights {
	all := Rights{Camera: true, Microphone: true, Screen: true, Chat: true, Download: true, Upload: true, SeeConcern: true}
	switch role {
	case RoleClerk, RoleCitizen:
		return all
	case RoleInterpreter, RoleGuest:
		r := all
		r.SeeConcern = false
		return r
	case RoleSignInterpreter:
		// the video is the interpretation; the microphone for questions
		return Rights{Camera: true, Microphone: true, Chat: true}
	case RoleWrittenInterpreter:
		// types the captions (their own channel); listens, speaks up when
		// something was not understood
		return Rights{Microphone: true, Chat: true}
	case RoleGuardian:
		// acts for the citizen and needs to know what it is about; the
		// citizen's or the clerk's documents reach them by download
		return Rights{Camera: true, Microphone: true, Chat: true, Download: true, SeeConcern: true}
	case RoleLawyer:
		return all
	case RoleAuthority:
		// a colleague from another authority works with the file, but is
		// told the concern by the clerk as far as it concerns them
		r := all
		r.SeeConcern = false
		return r
	}
	return Rights{}
}

// Policy holds the rights of the external roles: a site default and
// per-office overrides (from the configuration); a role neither names
// gets DefaultRights. The zero value is the defaults everywhere.
type Policy struct {
	Site    map[string]Rights
	Offices map[string]map[string]Rights
}

// Rights returns role's rights in an office. Clerk and citizen are not
// configurable.
func (p Policy) Rights(officeID, role string) Rights {
	if !slices.Contains(ExternalRoles, role) {
		return DefaultRights(role)
	}
	if r, ok := p.Offices[officeID][role]; ok {
		return r
	}
	if r, ok := p.Site[role]; ok {
		return r
	}
	return DefaultRights(role)
}
