package web

// ProofOfWork issues and checks the proof of work that a booking hold
// carries (ALTCHA, appliance/pow): a bot that scans calendars pays for
// every hold, a citizen's phone about a second once.
type ProofOfWork interface {
	// Challenge returns a fresh challenge as the widget expects it (JSON).
	Challenge() (any, error)
	// Verify checks a solved challenge (the widget's base64 payload); a
	// payload is accepted once.
	Verify(payload string) (bool, error)
}
