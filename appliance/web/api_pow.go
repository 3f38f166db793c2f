package web

import "net/http"

// apiPowChallenge hands out a fresh proof-of-work challenge for the booking
// widget (ALTCHA's challengeurl). Public: whoever wants to hold a slot
// fetches one; a challenge is worth nothing until solved, and a solution is
// spent once. Never cached: every challenge must be new.
func (s *Server) apiPowChallenge(w http.ResponseWriter, r *http.Request) {
	if s.opt.ProofOfWork == nil {
		s.writeProblem(w, r, errNotFound)
		return
	}
	c, err := s.opt.ProofOfWork.Challenge()
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
}
