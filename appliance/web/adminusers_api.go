package web

import (
	"net/http"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The administration of clerks as an API (docs/api/staff-api.md): the
// same rules and audit entries as the pages.

// adminClerk is a clerk as the administration API shows it.
type adminClerk struct {
	staff.Clerk
	// Source: "local", "oidc", "ldap" or "directory" (unknown which).
	Source     string `json:"source"`
	TOTP       bool   `json:"totp"`
	MustChange bool   `json:"must_change"`
	Disabled   bool   `json:"disabled"`
}

func adminClerkOf(a staff.AdminAccount) adminClerk {
	src := "local"
	if !a.Local {
		src = a.Directory
		if src == "" {
			src = "directory"
		}
	}
	if a.Offices == nil {
		a.Offices = []string{}
	}
	return adminClerk{Clerk: a.Clerk, Source: src, TOTP: a.TOTP, MustChange: a.MustChange, Disabled: a.Disabled}
}

func (s *Server) apiAdminClerks(w http.ResponseWriter, r *http.Request) {
	list, err := s.staff.Accounts(r.Context())
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	out := make([]adminClerk, 0, len(list))
	for _, a := range list {
		out = append(out, adminClerkOf(a))
	}
	writeJSON(w, 200, map[string]any{"clerks": out})
}

// clerkInput is the body of adding or changing a clerk.
type clerkInput struct {
	Login       string   `json:"login"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	Offices     []string `json:"offices"`
}

func (in clerkInput) clerk() staff.Clerk {
	return staff.Clerk{Login: strings.TrimSpace(in.Login), DisplayName: strings.TrimSpace(in.DisplayName), Role: staff.Role(in.Role), Offices: in.Offices}
}

func (s *Server) apiAdminClerkAdd(w http.ResponseWriter, r *http.Request) {
	var in clerkInput
	if err := readJSON(r, &in); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	c := in.clerk()
	pw, err := s.createClerk(r.Context(), actorOf(r).Clerk.Login, c)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.writeAdminClerk(w, r, http.StatusCreated, c.Login, pw)
}

func (s *Server) writeAdminClerk(w http.ResponseWriter, r *http.Request, status int, login, oneTime string) {
	a, err := s.staff.Account(r.Context(), login)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	body := map[string]any{"clerk": adminClerkOf(a)}
	if oneTime != "" {
		w.Header().Set("Cache-Control", "no-store")
		body["one_time_password"] = oneTime
	}
	writeJSON(w, status, body)
}

func (s *Server) apiAdminClerkEdit(w http.ResponseWriter, r *http.Request) {
	var in clerkInput
	if err := readJSON(r, &in); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	in.Login = r.PathValue("id")
	if err := s.updateClerk(r.Context(), actorOf(r).Clerk.Login, in.clerk()); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.writeAdminClerk(w, r, 200, in.Login, "")
}

func (s *Server) apiAdminClerkAction(w http.ResponseWriter, r *http.Request) {
	login, action := r.PathValue("id"), r.PathValue("action")
	if action == "remove" {
		s.writeProblem(w, r, errNotFound) // DELETE removes
		return
	}
	pw, err := s.clerkAction(r.Context(), actorOf(r).Clerk.Login, login, action)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.writeAdminClerk(w, r, 200, login, pw)
}

func (s *Server) apiAdminClerkRemove(w http.ResponseWriter, r *http.Request) {
	if _, err := s.clerkAction(r.Context(), actorOf(r).Clerk.Login, r.PathValue("id"), "remove"); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
