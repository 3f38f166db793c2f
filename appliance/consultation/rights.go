package consultation

// Rights are what a member may do in a room. The server enforces Chat
// (post a message), Upload (post a file) and Download (fetch a file);
// Camera, Microphone and Screen are for the SFU and SeeConcern for the
// views (enforced by the roles work, issue 13 §1).
type Rights struct {
	Camera, Microphone, Screen, Chat, Download, Upload, SeeConcern bool
}

// Member is the caller's identity within a room: a member of staff, the
// admitted citizen, or an invited external participant, with their role
// and rights.
type Member struct {
	Role     string
	Identity string // clerk login, ticket number, or participant pseudonym
	Name     string // shown in the chat
	Rights   Rights
}

// NewMember returns a member with the default rights of its role.
func NewMember(role, identity, name string) Member {
	return Member{Role: role, Identity: identity, Name: name, Rights: DefaultRights(role)}
}

// DefaultRights are a role's rights where nothing else is configured. They
// keep the behaviour from before roles: everybody in a room may use camera,
// microphone, screen, chat and files; the clerk and the citizen see the
// concern, externals do not.
func DefaultRights(role string) Rights {
	r := Rights{Camera: true, Microphone: true, Screen: true, Chat: true, Download: true, Upload: true}
	r.SeeConcern = role == RoleClerk || role == RoleCitizen
	return r
}
