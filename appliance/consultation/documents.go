package consultation

import (
	"context"
	"mime"

	"github.com/buergerbuero/buergerbuero/appliance/documents"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Documents: anyone in a room whose rights allow it uploads and downloads
// files; package documents decides what may be stored (type by content,
// size, virus scan), so a refused or infected file never reaches the
// store and no one can download it. The uploader and the clerk may delete
// a file: its bytes go at once, the room sees a notice, and a download
// answers "deleted" (410). The rest goes with the room's content.

// SetDocuments sets the checker every upload passes (before the service
// is used). Without one, uploads are checked for type and the MaxUpload
// size, and not scanned.
func (s *Service) SetDocuments(c *documents.Checker) { s.docs = c }

// Checker is the checker uploads pass: its limits are shown to people.
func (s *Service) Checker() *documents.Checker { return s.docs }

// PostFile checks a file and, if accepted, adds it to the room's chat.
func (s *Service) PostFile(ctx context.Context, r Room, m Member, name string, data []byte, clientID string) (Message, error) {
	if !r.EndedAt.IsZero() {
		return Message{}, ErrRoomClosed
	}
	if !m.Rights.Upload {
		return Message{}, ErrForbiddenByRole
	}
	d, err := s.docs.Check(ctx, name, data)
	if err != nil {
		return Message{}, err
	}
	f := &File{FileRef: FileRef{ID: "f_" + secret.NewID(), Name: text.Clean(d.Name), Size: int64(len(d.Data)), Type: d.Type.MediaType()},
		RoomID: r.ID, Data: d.Data, UploaderRole: m.Role, Uploader: m.Identity}
	msg := Message{RoomID: r.ID, AuthorRole: m.Role, Author: m.Name, ClientID: clientID, At: s.now(), File: &f.FileRef}
	out, _, err := s.store.AddMessage(ctx, msg, f)
	if err == nil {
		s.wake()
	}
	return out, err
}

// File returns an uploaded file of a room to a member allowed to
// download; ErrFileDeleted once it was deleted.
func (s *Service) File(ctx context.Context, r Room, m Member, id string) (File, error) {
	if !m.Rights.Download {
		return File{}, ErrForbiddenByRole
	}
	f, err := s.store.File(ctx, r.ID, id)
	if err == nil && f.Deleted {
		return File{}, ErrFileDeleted
	}
	return f, err
}

// FileType is the sniffed type a stored file was accepted as (files from
// before the allow-list are TypeUnknown and leave as octet-stream).
func FileType(f File) documents.Type {
	mt, params, err := mime.ParseMediaType(f.Type)
	if err != nil {
		return documents.TypeUnknown
	}
	for _, t := range documents.AllTypes() {
		if tm, tp, _ := mime.ParseMediaType(t.MediaType()); tm == mt && tp["charset"] == params["charset"] {
			return t
		}
	}
	return documents.TypeUnknown
}

// Document is a file as listed for one member of the room.
type Document struct {
	FileRef
	// By is the uploader's chat name, ByRole their role.
	By     string `json:"by"`
	ByRole string `json:"by_role"`
	At     string `json:"at"`
	// Mine: the reader uploaded it; Deletable: the reader may delete it.
	Mine      bool `json:"mine,omitempty"`
	Deletable bool `json:"deletable,omitempty"`
}

// Documents lists a room's files for m, deleted ones included (marked).
func (s *Service) Documents(ctx context.Context, r Room, m Member) ([]Document, error) {
	fs, err := s.store.Files(ctx, r.ID)
	out := make([]Document, 0, len(fs))
	for _, f := range fs {
		mine := uploadedBy(f, m)
		out = append(out, Document{FileRef: f.FileRef, By: f.UploaderName, ByRole: f.UploaderRole, At: f.At.UTC().Format("2006-01-02T15:04:05.000Z"),
			Mine: mine, Deletable: !f.Deleted && r.EndedAt.IsZero() && (mine || m.Role == RoleClerk)})
	}
	return out, err
}

func uploadedBy(f File, m Member) bool {
	return f.Uploader != "" && f.UploaderRole == m.Role && f.Uploader == m.Identity
}

// DeleteFile deletes a file of a running room: by its uploader or a
// clerk. Its bytes are gone at once; everyone sees a notice.
func (s *Service) DeleteFile(ctx context.Context, r Room, m Member, id string) (Message, error) {
	if !r.EndedAt.IsZero() {
		return Message{}, ErrRoomClosed
	}
	f, err := s.store.File(ctx, r.ID, id)
	if err != nil {
		return Message{}, err
	}
	if f.Deleted {
		return Message{}, ErrFileDeleted
	}
	if m.Role != RoleClerk && !uploadedBy(f, m) {
		return Message{}, ErrNotUploader
	}
	n := Notice{Key: NoticeFileDeleted, Args: map[string]string{"By": m.Name, "Name": f.Name, "File": f.ID}}
	msg, err := s.store.DeleteFile(ctx, r.ID, id, s.now(), Message{RoomID: r.ID, AuthorRole: RoleSystem, Author: "System", Text: encodeNotice(n), At: s.now()})
	if err != nil {
		return Message{}, err
	}
	s.wake()
	return withNotice(msg), nil
}
