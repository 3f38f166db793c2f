package sfu

import (
	"sync"

	"github.com/pion/logging"
)

// sharedLoggers is pion's default logger factory (same levels, PION_LOG_*
// environment, output), with one logger per scope for the whole SFU.
// pion's own factory makes a new logger (six log.Loggers) per scope for
// every PeerConnection, ICE agent, DTLS, SRTP and SCTP session: ≈ 15 KiB
// per participant that logs nothing.
type sharedLoggers struct {
	f      *logging.DefaultLoggerFactory
	scopes sync.Map // scope → logging.LeveledLogger
}

func newSharedLoggers() *sharedLoggers {
	return &sharedLoggers{f: logging.NewDefaultLoggerFactory()}
}

func (s *sharedLoggers) NewLogger(scope string) logging.LeveledLogger {
	if l, ok := s.scopes.Load(scope); ok {
		return l.(logging.LeveledLogger)
	}
	l, _ := s.scopes.LoadOrStore(scope, s.f.NewLogger(scope))
	return l.(logging.LeveledLogger)
}
