package web

import (
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

type loginBody struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var b loginBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if !sameOrigin(r) {
		s.writeProblem(w, r, errCSRF)
		return
	}
	sess, err := s.signIn(r.Context(), b.Login, b.Password, s.clientIP(r))
	if err != nil {
		s.writeStaffProblem(w, r, err)
		return
	}
	s.setSession(w, sess)
	writeJSON(w, 200, meBody{Clerk: sess.Clerk, CSRF: sess.CSRF, MustChangePassword: sess.MustChange})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if sess := sessionOf(r); sess != nil {
		s.ssoLogoutURL(r.Context(), sess.Token) // the grant is forgotten; an API client ends the provider's session itself
		s.staff.Logout(r.Context(), sess.Token)
	}
	clearSession(w)
	w.WriteHeader(http.StatusNoContent)
}

type meBody struct {
	staff.Clerk
	CSRF string `json:"csrf_token,omitempty"`
	// MustChangePassword: the session was opened with a one-time password
	// and can only set a new one (POST /api/v1/staff/me/password) or log out.
	MustChangePassword bool `json:"must_change_password,omitempty"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	body := meBody{Clerk: a.Clerk}
	if sess := sessionOf(r); sess != nil {
		body.CSRF = sess.CSRF
	}
	writeJSON(w, 200, body)
}

func (s *Server) apiPresence(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Presence staff.Presence `json:"presence"`
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if !staff.ValidPresence(b.Presence) {
		s.writeProblem(w, r, problem.Invalid("presence", "presence", map[string]any{"Allowed": []string{"available", "in_consultation", "break", "offline"}}))
		return
	}
	c, err := s.staff.SetPresence(r.Context(), actorOf(r).Clerk.Login, b.Presence)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, c)
}

func (s *Server) apiClerks(w http.ResponseWriter, r *http.Request) {
	cs, err := s.staff.Clerks(r.Context())
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"clerks": cs})
}

type staffOffice struct {
	reception.OfficeStatus
	Queue []reception.StaffTicket `json:"queue"`
}

func (s *Server) apiStaffOffices(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	out := []staffOffice{}
	for _, o := range s.rec.Offices() {
		if !a.Clerk.MemberOf(o.ID) {
			continue
		}
		q := s.rec.QueueFor(a, o.ID)
		if q == nil {
			q = []reception.StaffTicket{}
		}
		out = append(out, staffOffice{OfficeStatus: o, Queue: q})
	}
	writeJSON(w, 200, map[string]any{"offices": out})
}

func (s *Server) apiStaffTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.rec.StaffTicket(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, t)
}

type actionBody struct {
	Message  string `json:"message"`
	OfficeID string `json:"office_id"`
	Clerk    string `json:"clerk"`
	Note     string `json:"note"`
	Text     string `json:"text"`
}

func (s *Server) apiTicketAction(w http.ResponseWriter, r *http.Request) {
	var b actionBody
	if r.ContentLength != 0 {
		if err := readJSON(r, &b); err != nil {
			s.writeProblem(w, r, err)
			return
		}
	}
	a, ref, ctx := actorOf(r), r.PathValue("id"), r.Context()
	var t reception.StaffTicket
	var err error
	switch r.PathValue("action") {
	case "admit":
		t, err = s.rec.Admit(ctx, a, ref)
		if err == nil {
			writeJSON(w, 200, map[string]any{"ticket": t, "room_id": t.RoomID, "room_url": "/room/" + t.RoomID})
			return
		}
	case "decline":
		t, err = s.rec.Decline(ctx, a, ref, b.Message)
	case "return":
		t, err = s.rec.Return(ctx, a, ref)
	case "forward":
		t, err = s.rec.Forward(ctx, a, ref, b.OfficeID, b.Clerk, b.Note)
	case "end":
		t, err = s.rec.End(ctx, a, ref)
	case "notes":
		t, err = s.rec.AddNote(ctx, a, ref, b.Text)
	default:
		err = errNotFound
	}
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, t)
}
