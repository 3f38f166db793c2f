package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/documents"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Documents in a room: upload (POST …/files, multipart), list (GET
// …/files), download (GET …/files/{file}, always an attachment of the
// sniffed type) and delete (DELETE …/files/{file}). What may be stored is
// decided by package documents through the consultation.

// upload reads the multipart body part by part into memory, bounded by the
// size limit: no temporary file is written outside the state directory.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, room consultation.Room, m consultation.Member) {
	check := s.rec.Rooms.Checker()
	max := check.MaxSize()
	r.Body = http.MaxBytesReader(w, r.Body, max+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeProblem(w, r, problem.Invalid("file", "file_required", nil))
		return
	}
	var name, clientID string
	var data []byte
	found := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeProblem(w, r, check.TooLarge())
			return
		}
		if err != nil {
			s.writeProblem(w, r, errBadJSON)
			return
		}
		switch p.FormName() {
		case "file":
			name, found = p.FileName(), true
			data, err = io.ReadAll(io.LimitReader(p, max+1))
			if errors.As(err, &tooBig) || int64(len(data)) > max {
				s.writeProblem(w, r, check.TooLarge())
				return
			}
		case "client_id":
			b, _ := io.ReadAll(io.LimitReader(p, 200))
			clientID = string(b)
		}
		if err != nil {
			s.writeProblem(w, r, errBadJSON)
			return
		}
	}
	if !found {
		s.writeProblem(w, r, problem.Invalid("file", "file_required", nil))
		return
	}
	msg, err := s.rec.Rooms.PostFile(r.Context(), room, m, name, data, clientID)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, renderNotice(s.localizer(r), msg))
}

func (s *Server) apiRoomFiles(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	docs, err := s.rec.Rooms.Documents(r.Context(), room, m)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	check := s.rec.Rooms.Checker()
	writeJSON(w, 200, map[string]any{"files": docs, "max_size": check.MaxSize(), "allowed": check.Allowed(), "accept": check.Accept(),
		"scanned": check.Scanning(), "may_upload": m.Rights.Upload && room.EndedAt.IsZero(), "may_download": m.Rights.Download})
}

func (s *Server) apiRoomFileGet(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	f, err := s.rec.Rooms.File(r.Context(), room, m, r.PathValue("file"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	documents.ServeDownload(w, f.Name, consultation.FileType(f), f.Data)
}

func (s *Server) apiRoomFileDelete(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	notice, err := s.rec.Rooms.DeleteFile(r.Context(), room, m, r.PathValue("file"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, renderNotice(s.localizer(r), notice))
}
