package config

import (
	"fmt"
	"time"
)

// ProofOfWork tunes the proof of work (ALTCHA) that a booking hold carries;
// see docs/pow.md for how the default was calibrated.
type ProofOfWork struct {
	// MaxNumber bounds the secret number of a challenge; a browser tries
	// half of it on average. Default 200000: about a second on a mid-range
	// phone (about 100 000 SHA-256 per second in the widget), a few hundred
	// milliseconds on a desktop, tens of milliseconds for a bot in native
	// code (see docs/pow.md). Allowed 1000 to 10000000.
	MaxNumber int64 `yaml:"max_number"`
	// Expiry is how long a challenge may be solved and spent; default 5m,
	// allowed 30s to 1h.
	Expiry Duration `yaml:"expiry"`
}

func defaultProofOfWork() ProofOfWork {
	return ProofOfWork{MaxNumber: 200_000, Expiry: Duration{5 * time.Minute}}
}

func (p ProofOfWork) validate() error {
	if p.MaxNumber < 1000 || p.MaxNumber > 10_000_000 {
		return bad("http.proof_of_work.max_number", fmt.Sprintf("%d", p.MaxNumber), "1000 to 10000000")
	}
	if p.Expiry.Duration < 30*time.Second || p.Expiry.Duration > time.Hour {
		return bad("http.proof_of_work.expiry", p.Expiry.Duration.String(), "30s to 1h")
	}
	return nil
}
