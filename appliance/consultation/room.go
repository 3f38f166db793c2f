package consultation

import (
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"time"
)

// Kinds of room. Today every room is a consultation opened by the
// reception; permanent rooms and events reuse the same rooms later.
const (
	KindConsultation = "consultation"
	KindPermanent    = "permanent"
	KindEvent        = "event"
)

// Participant roles in a room.
const (
	RoleClerk   = "clerk"
	RoleCitizen = "citizen"
	RoleSystem  = "system"
	// External roles, invited by a link (docs/roles.md).
	RoleInterpreter        = "interpreter"         // spoken language
	RoleSignInterpreter    = "sign_interpreter"    // Gebärdensprachdolmetscher·in
	RoleWrittenInterpreter = "written_interpreter" // Schriftdolmetscher·in: live captions
	RoleGuardian           = "guardian"            // Betreuer·in, Beistand
	RoleLawyer             = "lawyer"              // Rechtsbeistand
	RoleAuthority          = "authority"           // colleague from another authority
	RoleGuest              = "guest"
)

// ExternalRoles are the roles an invite may carry, in the order the
// clerk's invite form offers them.
var ExternalRoles = []string{RoleInterpreter, RoleSignInterpreter, RoleWrittenInterpreter, RoleGuardian, RoleLawyer, RoleAuthority, RoleGuest}

// Room is a private room: today one consultation per admission.
type Room struct {
	ID string `json:"id"`
	// Kind is KindConsultation or KindPermanent (package permanent).
	Kind string `json:"-"`
	// TicketID is the reception ticket a consultation was opened for; empty
	// for rooms of other kinds.
	TicketID  string    `json:"ticket_id"`
	OfficeID  string    `json:"office_id"`
	Clerk     string    `json:"clerk"`
	CreatedAt time.Time `json:"created_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// Members are the staff who take part besides Clerk (added colleagues,
	// leads and admins who joined).
	Members []string `json:"members,omitempty"`
}

// NewConsultation returns a fresh consultation room for a ticket admitted
// by clerk. The caller stores it in the ticket's transaction (see the
// package doc).
func NewConsultation(ticketID, officeID, clerk string, now time.Time) Room {
	return Room{ID: "r_" + secret.NewID(), Kind: KindConsultation, TicketID: ticketID, OfficeID: officeID, Clerk: clerk, CreatedAt: now}
}

// Message is one chat message in a room, in order of Seq.
type Message struct {
	Seq        int64  `json:"seq"`
	RoomID     string `json:"room_id"`
	AuthorRole string `json:"author_role"`
	Author     string `json:"author"`
	Text       string `json:"text,omitempty"`
	// Notice is a system message's content, rendered for each reader.
	Notice   *Notice   `json:"notice,omitempty"`
	File     *FileRef  `json:"file,omitempty"`
	ClientID string    `json:"client_id,omitempty"`
	At       time.Time `json:"at"`
}

// FileRef describes an uploaded file; the bytes are fetched separately.
type FileRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	Type string `json:"type"`
	// Deleted: the uploader or a clerk deleted it; its bytes are gone.
	Deleted bool `json:"deleted,omitempty"`
}

// File is an uploaded file with its content (none once deleted) and who
// uploaded it (see DeleteFile).
type File struct {
	FileRef
	RoomID string
	Data   []byte
	// UploaderRole and Uploader (the member's Identity) say who may
	// delete it besides the clerk; UploaderName is their chat name.
	UploaderRole, Uploader, UploaderName string
	At                                   time.Time
}

// Invite is a single-use, time-limited link for an external participant.
type Invite struct {
	RoomID    string
	Role      string
	Language  string
	ExpiresAt time.Time
}

// Participant is an external (non-clerk, non-citizen) member of a room.
// The role, language and name are kept apart and rendered for each reader
// in their language (never a composed sentence).
type Participant struct {
	RoomID   string
	Role     string
	Identity string // a pseudonym ("p_…"), stable for the invite
	Name     string // whom the invite names (a name or an e-mail), or ""
	// Language an interpreter interprets into, or "".
	Language  string
	ExpiresAt time.Time
}
