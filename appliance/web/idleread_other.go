//go:build !linux

package web

// idlePoller exists on Linux only; elsewhere every idle connection has a
// reader goroutine (readLoop).
type idlePoller struct{}

func newIdlePoller() *idlePoller             { return nil }
func (p *idlePoller) watch(w *idleConn) bool { return false }
func (p *idlePoller) forget(w *idleConn)     {}
func (p *idlePoller) close()                 {}
